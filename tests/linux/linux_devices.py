#!/usr/bin/env python3
"""linux_devices.py - a real Linux 4.4 lguest guest on lgsim's virtio devices.

Needs LGSIM_LINUX_44_1 (the i386 4.4.1 lguest vmlinux the other real-kernel tests boot, built
with LGUEST_GUEST and the virtio drivers); without it the test is skipped (exit 77).  LGSIM_LINUX_ROOTFS, optional, is an ext2
image whose /init starts a shell on /dev/hvc0: with it the console input, the block device
(persistence across two boots) and the rng are driven from a piped shell script.

usage: linux_devices.py LGSIM WORKDIR
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time

SKIP = 77


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what)


def run(lgsim, args, stdin_chunks=None, pause=0.0, timeout=300):
    """lgsim with args; stdin fed chunk by chunk (pause seconds apart), or empty."""
    proc = subprocess.Popen([lgsim] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    for chunk in stdin_chunks or []:
        try:
            proc.stdin.write(chunk.encode())
            proc.stdin.flush()
        except BrokenPipeError:
            break
        time.sleep(pause)
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.stdin = None   # closed: communicate() must not touch it
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def stats(lgsim, trace):
    out = subprocess.run([lgsim, "trace", "stats", trace], capture_output=True, text=True).stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+(\d+)", out, re.M)}


def no_root(lgsim, kernel, work):
    """Without a root file system: the virtio console takes over from the early console."""
    trace = os.path.join(work, "noroot.trc")
    code, out, err = run(lgsim, ["--trace=" + trace, "--max-time=5000", "64", kernel,
                                 "console=hvc0"])
    check(code == 1 and "Unable to mount root fs" in err, "boots to the missing root (exit 1)")
    check("virtio-pci 0000:00:01.0: enabling device" in out, "virtio-pci probes the console")
    s = stats(lgsim, trace)
    check(s.get("mmio_write", 0) > 0 and s.get("used", 0) > 0 and s.get("device_irq", 0) > 0,
          "console output went through the virtqueue: MMIO, used buffers, IRQs")


SCRIPT = ["echo lgsim-marker-$((6*7))\n", "cat /proc/cmdline\n",
          "head -c 16 /dev/hwrng | od -An -tx1\n", "echo persisted > /persist; sync\n",
          "poweroff -f\n"]


def shell(lgsim, kernel, rootfs, work):
    """A piped script: same output and same trace however fast the lines arrive."""
    args = lambda img, trc: ["--trace=" + trc, "--max-time=60000", "--block=" + img, "--rng",
                             "64", kernel, "console=hvc0", "root=/dev/vda", "rw", "init=/init"]
    results = []
    for name, pause in (("fast", 0.0), ("slow", 0.4)):
        os.makedirs(os.path.join(work, name), exist_ok=True)
        img = os.path.join(work, name, "disk.img")   # one name: the trace headers agree
        shutil.copyfile(rootfs, img)
        trc = os.path.join(work, name, "run.trc")
        results.append((img, trc) + run(lgsim, args(img, trc), SCRIPT, pause))
    img, trc, code, out, err = results[0]
    check(code == 0 and "CRASH: Power down" in err, "the script's poweroff ends the run (exit 0)")
    check("lgsim-marker-42" in out, "the shell ran the piped commands")
    check("root=/dev/vda" in out, "the root file system is the virtio disk")
    check(re.search(r"( [0-9a-f]{2}){16}", out) is not None, "/dev/hwrng gives bytes")
    check(results[1][3] == out, "slowly fed input gives the same console output")
    diff = subprocess.run([lgsim, "trace", "diff", trc, results[1][1]], capture_output=True,
                          text=True)
    check(diff.returncode == 0, "and the same trace: " + diff.stdout.splitlines()[0])
    s = stats(lgsim, trc)
    check(s.get("console_in", 0) >= len(SCRIPT), "console input is in the trace, a line a record")
    code, out, err = run(lgsim, args(img, os.path.join(work, "again.trc")),
                         ["cat /persist\n", "poweroff -f\n"])
    check(code == 0 and "\npersisted" in out.replace("\r", ""),
          "what the guest wrote is on the disk at the next boot")


def terminal(lgsim, kernel, rootfs, work):
    """On a terminal: raw while the guest reads it, ^C^C^C stops lgsim, the terminal comes back."""
    img = os.path.join(work, "tty.img")
    shutil.copyfile(rootfs, img)
    # sh keeps the terminal after lgsim exits, to show its modes then.
    cmd = ('"$0" "$@"; echo "exit=$?"; stty -a | tr " " "\\n" | '
           'grep -x -e icanon -e -icanon -e echo -e -echo -e isig -e -isig | tr "\\n" " "')
    pid, fd = pty.fork()
    if pid == 0:
        os.execv("/bin/sh", ["sh", "-c", cmd, lgsim, "--max-time=60000", "--block=" + img,
                             "64", kernel, "console=hvc0", "root=/dev/vda", "rw", "init=/init"])
    def read_until(pattern, secs=60):
        got, end = b"", time.time() + secs
        while time.time() < end and not re.search(pattern, got):
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    got += os.read(fd, 65536)
                except OSError:
                    break
        return got.decode(errors="replace")
    check("/ # " in read_until(rb"/ # "), "a shell prompt on the terminal")
    os.write(fd, b"echo typed-$((6*7))\r")
    check("typed-42" in read_until(rb"typed-42"), "keys typed on the terminal reach the shell")
    for _ in range(3):
        os.write(fd, b"\x03")
        time.sleep(0.1)
    tail = read_until(rb"isig|-isig")
    os.waitpid(pid, 0)
    check("three ^C on the console" in tail and "exit=130" in tail, "^C^C^C stops lgsim (130)")
    check(re.search(r"(^|\s)icanon", tail) and re.search(r"(^|\s)isig", tail),
          "the terminal is cooked again afterwards")


def main():
    lgsim, work = sys.argv[1:3]
    kernel = os.environ.get("LGSIM_LINUX_44_1")
    if not kernel:
        print("SKIPPED: set LGSIM_LINUX_44_1 to a Linux 4.4.1 lguest vmlinux")
        return SKIP
    os.makedirs(work, exist_ok=True)
    no_root(lgsim, kernel, work)
    rootfs = os.environ.get("LGSIM_LINUX_ROOTFS")
    if not rootfs:
        print("SKIPPED (shell part): set LGSIM_LINUX_ROOTFS to an ext2 image whose /init "
              "starts a shell on /dev/hvc0")
        return 0
    shell(lgsim, kernel, rootfs, work)
    terminal(lgsim, kernel, rootfs, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
