#!/usr/bin/env python3
"""saved_crafted.py - a saved machine is refused, with the byte or the input that is wrong, when
it is not the machine this lgsim would build: another lgsim version, other options, another
kernel or disk, or a state whose checksums hold but whose counts cannot be lgsim's.  Nothing
of the guest runs (no console output), and the exit status is 2.

usage: saved_crafted.py LGSIM SAVED.lgsav HELLO_GUEST WORKDIR
The file layout is sim/launcher/machine_file.c's.
"""
import os, re, struct, subprocess, sys, zlib

def fail(msg):
    sys.exit("FAIL: " + msg)

def parse(data):
    """The header's payload fields and where the compressed state begins."""
    assert data[:8] == b"LGSIMSAV"
    pay_len = struct.unpack_from("<I", data, 12)[0]
    pay = data[16:16 + pay_len]
    fields, off = [], 0
    def s():
        nonlocal off
        n = struct.unpack_from("<H", pay, off)[0]
        off += 2 + n
        fields.append(("str", off - n, n))
    def u(size):
        nonlocal off
        fields.append(("u%d" % size, off, size))
        off += size // 8
    s(); s(); s()                         # lgsim version, engine, options
    u(32)
    for _ in range(struct.unpack_from("<I", pay, off - 4)[0]):
        s(); s(); u(64); u(64)            # role, name, size, hash
    u(32)
    for _ in range(struct.unpack_from("<I", pay, off - 4)[0]):
        s()
    u(64); u(64)
    return pay, fields, 16 + pay_len + 4 + 12

def rebuild(pay, state):
    """A file with a good crc32 everywhere around the payload and state given."""
    z = zlib.compress(state, 1)
    return (b"LGSIMSAV" + struct.pack("<HHI", 1, 0, len(pay)) + pay +
            struct.pack("<I", zlib.crc32(pay)) + struct.pack("<QI", len(z), zlib.crc32(z)) + z)

def restore(lgsim, path, args=()):
    r = subprocess.run([lgsim, "--restore=" + path] + list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr

def refused(lgsim, path, want, what):
    rc, out, err = restore(lgsim, path)
    if rc != 2 or out or not re.search(want, err):
        fail("%s: exit %d, stdout %r, stderr %r (wanted /%s/)" % (what, rc, out, err, want))
    print("ok: %s is refused: %s" % (what, err.strip()))

def with_payload_string(pay, fields, i, text):
    kind, at, n = fields[i]
    b = text.encode()
    return pay[:at - 2] + struct.pack("<H", len(b)) + b + pay[at + n:]

def main():
    lgsim, saved, hello, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    data = open(saved, "rb").read()
    pay, fields, z_at = parse(data)
    state = zlib.decompress(data[z_at:])
    rc, out, err = restore(lgsim, saved)
    if rc != 0 or not out:
        fail("the saved file itself does not restore: exit %d\n%s" % (rc, err))
    cases = [
        (0, "9.9.9-other", r"saved by lgsim 9\.9\.9-other, this is ", "another lgsim version"),
        (2, "mem=64M other", r"the options differ \(mem=64M other vs mem=64M", "other options"),
    ]
    for i, text, want, what in cases:
        p = os.path.join(work, "crafted_%d.lgsav" % i)
        open(p, "wb").write(rebuild(with_payload_string(pay, fields, i, text), state))
        refused(lgsim, p, want, what)
    kind, at, n = fields[7]               # the kernel's hash (role, name, size, hash)
    p = os.path.join(work, "crafted_hash.lgsav")
    open(p, "wb").write(rebuild(pay[:at] + bytes(8) + pay[at + 8:], state))
    refused(lgsim, p, r"the kernel .* is not the one the machine was saved with", "another kernel")
    # The state: its sections (HOST, LNCH, ...) as machine.c lays them out; the launcher's own
    # begins with the console input waiting (4096 bytes, then their count).
    host = struct.unpack_from("<Q", state, 4)[0]
    lnch = 12 + host
    if state[lnch:lnch + 4] != b"LNCH":
        fail("no LNCH section where machine.c puts it")
    at = lnch + 12 + 4096
    bad = state[:at] + struct.pack("<I", 0xFFFFFFFF) + state[at + 4:]
    p = os.path.join(work, "crafted_state.lgsav")
    open(p, "wb").write(rebuild(pay, bad))
    refused(lgsim, p, r"the console input waiting is out of range at byte %d of the machine "
            r"state: not a state lgsim saved" % at, "a console input count past its buffer")
    p = os.path.join(work, "crafted_cut.lgsav")
    open(p, "wb").write(data[:len(data) // 2])
    refused(lgsim, p, r"cut short at byte %d" % (len(data) // 2), "a file cut in half")
    # A disk changed since the save (the header pins its hash).
    disk = os.path.join(work, "crafted_disk.img")
    open(disk, "wb").write(bytes(65536))
    p = os.path.join(work, "crafted_disk.lgsav")
    r = subprocess.run([lgsim, "--block=" + disk, "--save-at=0.05", p, "64", hello, "spin"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(p):
        fail("saving with a disk: exit %d\n%s" % (r.returncode, r.stderr))
    open(disk, "ab").write(b"changed")
    refused(lgsim, p, r"the block crafted_disk\.img is not the one the machine was saved with",
            "a disk changed since")
    return 0

if __name__ == "__main__":
    sys.exit(main())
