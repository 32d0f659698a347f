#!/usr/bin/env python3
"""linux_devices.py - a real Linux 4.4 lguest guest on lgsim's virtio devices.

Needs LGSIM_LINUX_44_1 (the i386 4.4.1 lguest vmlinux the other real-kernel tests boot, built
with LGUEST_GUEST and the virtio drivers); without it the test is skipped (exit 77).  LGSIM_LINUX_ROOTFS, optional, is an ext2
image whose /init starts a shell on /dev/hvc0: with it the console input, the block device
(persistence across two boots) and the rng are driven from a piped shell script, written at
once (twice: the same run) and a line at a time by a driver that waits for each answer (its
replay: the same run).  LGSIM_LINUX_44_INITRD, optional, is an initramfs that prints a line
and starts a shell: "poweroff -f" written right after that line, stdin kept open, powers
the guest off.

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


def driven(lgsim, args, steps, timeout=300):
    """lgsim with stdin on a pipe kept open, as a program drives it: each (text, line) of
    steps is written once text has appeared on stdout (after the last written line's echo)."""
    proc = subprocess.Popen([lgsim] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, since, end = b"", 0, time.time() + timeout
    while time.time() < end:
        if steps and steps[0][0] in out[since:]:
            text, line = steps.pop(0)
            since = out.index(text, since) + len(text)
            proc.stdin.write(line)
            proc.stdin.flush()
        if select.select([proc.stdout], [], [], 1)[0]:
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            out += data
    else:
        proc.kill()
        sys.exit("FAIL: lgsim hung with %r still to write; its output ends %r" %
                 (steps, out[-300:]))
    err = proc.communicate(timeout=60)[1]   # (stdin closed only now: the driver is done)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def first_line_poweroff(lgsim, kernel, initrd, work):
    """Issue 14's script: "poweroff -f" written as soon as the initramfs prints its first
    line, stdin kept open.  The shell's command needs the guest's timers: they must come."""
    trc = os.path.join(work, "first-line.trc")
    code, out, err = driven(lgsim, ["--trace=" + trc, "--max-time=60000", "64", kernel,
                                    "--initrd=" + initrd, "console=hvc0"],
                            [(b"lgsim-initramfs:", b"poweroff -f\n")])
    check(code == 0 and "CRASH: Power down" in err and "reboot: Power down" in out,
          "poweroff -f written at the initramfs' first line, stdin left open: powered off")


def shell(lgsim, kernel, rootfs, work):
    """A piped script, twice: the same output and trace; driven line by line: it replays."""
    args = lambda img, trc: ["--trace=" + trc, "--max-time=60000", "--block=" + img, "--rng",
                             "64", kernel, "console=hvc0", "root=/dev/vda", "rw", "init=/init"]
    results = []
    for name in ("fast", "again", "driven"):
        os.makedirs(os.path.join(work, name), exist_ok=True)
        img = os.path.join(work, name, "disk.img")   # one name: the trace headers agree
        shutil.copyfile(rootfs, img)
        trc = os.path.join(work, name, "run.trc")
        if name == "driven":   # each line once the shell has echoed the one before
            steps = [(b"/ # ", SCRIPT[0].encode())] + \
                    [(b"\n/ # ", line.encode()) for line in SCRIPT[1:]]
            results.append((img, trc) + driven(lgsim, args(img, trc), steps))
        else:
            results.append((img, trc) + run(lgsim, args(img, trc), SCRIPT))
    img, trc, code, out, err = results[0]
    check(code == 0 and "CRASH: Power down" in err, "the script's poweroff ends the run (exit 0)")
    check("lgsim-marker-42" in out, "the shell ran the piped commands")
    check("root=/dev/vda" in out, "the root file system is the virtio disk")
    check(re.search(r"( [0-9a-f]{2}){16}", out) is not None, "/dev/hwrng gives bytes")
    check(results[1][3] == out, "the same script again gives the same console output")
    diff = subprocess.run([lgsim, "trace", "diff", trc, results[1][1]], capture_output=True,
                          text=True)
    check(diff.returncode == 0, "and the same trace: " + diff.stdout.splitlines()[0])
    dimg, dtrc, dcode, dout, derr = results[2]
    check(dcode == 0 and "lgsim-marker-42" in dout and "CRASH: Power down" in derr,
          "driven a line at a time, each after the shell's answer: the same commands run")
    shutil.copyfile(rootfs, dimg)   # the disk as the driven run found it
    again = os.path.join(work, "driven", "replayed.trc")
    code, out, err = run(lgsim, ["--replay=" + dtrc] + args(dimg, again))
    diff = subprocess.run([lgsim, "trace", "diff", dtrc, again], capture_output=True, text=True)
    check(code == 0 and diff.returncode == 0, "and its replay is the same run: " +
          diff.stdout.splitlines()[0])
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
    initrd = os.environ.get("LGSIM_LINUX_44_INITRD")
    if initrd:
        first_line_poweroff(lgsim, kernel, initrd, work)
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
