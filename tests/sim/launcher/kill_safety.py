#!/usr/bin/env python3
"""kill_safety.py - data safety under kills: what the guest was told is on the disk, is.

usage: kill_safety.py LGSIM DURABLE_GUEST WORKDIR [--no-sigterm]

The durable guest (tests/guests/durable) writes block k of its virtio disk, flushes, and prints
"durable k" once the device has completed both.  lgsim is stopped with SIGKILL, SIGINT and
SIGTERM right after it printed "durable K", for a fixed list of K: no timer decides when.
Afterwards every block printed durable holds its pattern, and every other block holds its
pattern or zeros: nothing torn, nothing lost, nothing else written.  SIGINT and SIGTERM end
the run the orderly way (exit 128 + signal, "stopped by signal N"), unless the guest had
finished first.  --no-sigterm leaves SIGTERM out, for a Windows lgsim.exe (run through Wine):
Windows has no such signal, and Wine ends the process on it.
"""
import os, re, signal, subprocess, sys

BLOCKS = 64
KILL_AFTER = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55]
SECTOR = 512

def pattern(k):
    b = bytearray((k * 131 + i * 7 + 0x5A) & 0xFF for i in range(SECTOR))
    b[0:4] = b"DURA"
    b[4:8] = k.to_bytes(4, "little")
    return bytes(b)

def fail(what):
    sys.exit("FAIL: " + what)

def one_run(lgsim, guest, image, sig, after):
    with open(image, "wb") as f:
        f.write(bytes(BLOCKS * SECTOR))
    proc = subprocess.Popen([lgsim, "--block=" + image, "64", guest], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    durable = []
    signalled = False
    for line in proc.stdout:
        m = re.match(rb"durable (\d+)\n", line)
        if not m:
            continue
        durable.append(int(m.group(1)))
        if not signalled and durable[-1] == after:
            proc.send_signal(sig)
            signalled = True
    try:
        err = proc.stderr.read().decode(errors="replace")
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("lgsim did not end after signal %d at 'durable %d'" % (sig, after))
    what = "signal %d after 'durable %d'" % (sig, after)
    if durable != list(range(len(durable))) or after not in durable:
        fail("%s: the guest's lines are %r" % (what, durable))
    finished = len(durable) == BLOCKS and "every block written and flushed" in err
    if sig == signal.SIGKILL and rc != -signal.SIGKILL and not finished:
        fail("%s: exit %d" % (what, rc))
    if sig != signal.SIGKILL and not finished and (
            rc != 128 + sig or "lgsim: stopped by signal %d" % sig not in err):
        fail("%s: exit %d, stderr %r (wanted %d and 'stopped by signal %d')" %
             (what, rc, err, 128 + sig, sig))
    data = open(image, "rb").read()
    if len(data) != BLOCKS * SECTOR:
        fail("%s: the image is %d bytes, not %d" % (what, len(data), BLOCKS * SECTOR))
    for k in range(BLOCKS):
        block = data[k * SECTOR:(k + 1) * SECTOR]
        if k in durable and block != pattern(k):
            fail("%s: block %d was flushed ('durable %d') but is not on the disk" % (what, k, k))
        if block != pattern(k) and block != bytes(SECTOR):
            fail("%s: block %d holds neither its data nor zeros" % (what, k))
    return len(durable), finished

def main():
    lgsim, guest, work = sys.argv[1:4]
    signals = [signal.SIGKILL, signal.SIGINT]
    if "--no-sigterm" not in sys.argv[4:]:
        signals.append(signal.SIGTERM)
    os.makedirs(work, exist_ok=True)
    image = os.path.join(work, "kill_safety.img")
    runs = 0
    for sig in signals:
        for after in KILL_AFTER:
            n, finished = one_run(lgsim, guest, image, sig, after)
            runs += 1
            print("ok: signal %d after 'durable %d': %d blocks durable%s, all on the disk" %
                  (sig, after, n, " (the guest had finished)" if finished else ""))
    print("kill_safety: %d runs" % runs)

main()
