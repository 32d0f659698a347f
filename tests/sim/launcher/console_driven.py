#!/usr/bin/env python3
"""console_driven.py - console input from a program that waits for the guest's answers.

usage: console_driven.py LGSIM SHELL_GUEST WORKDIR

As a script drives a Linux guest: stdin is a pipe the driver keeps open; it waits for the
guest's first line, writes a line, waits for the answer, then writes "quit".  The shell
guest (tests/guests/shell) answers as a Linux shell does: its next console buffer is offered
at once and the answer comes after a timer tick, so the guest halts with the console wanting
input and a timer armed.  lgsim must let that timer come although no more input does (a
clock frozen until the next line would hang the driver and lgsim forever).  No clock decides
anything here: each write waits for the text before it.  The run's trace then replays to
the same trace, and the same lines from a file (written before the guest asks) give the same
answers.
"""
import os, select, subprocess, sys, time

WAIT_S = 60   # only a failure waits this long


def fail(what):
    sys.exit("FAIL: " + what)


def check(cond, what):
    if not cond:
        fail(what)
    print("ok:", what)


def driven(argv, steps):
    """argv with stdin on a pipe kept open; each (text, line): line written once text is on
    stdout.  Returns (exit status, stdout, stderr)."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, deadline = b"", time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        while steps and steps[0][0] in out:
            p.stdin.write(steps.pop(0)[1])
            p.stdin.flush()
        if select.select([p.stdout], [], [], 1)[0]:
            data = os.read(p.stdout.fileno(), 4096)
            if not data:
                break
            out += data
    else:
        p.kill()
        fail("%s hung with %r still to write; it wrote %r" % (argv, steps, out[-300:]))
    err = p.communicate(timeout=WAIT_S)[1]   # (closes stdin: the driver is done)
    return p.returncode, out, err


def main():
    lgsim, guest, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    trace, replayed = os.path.join(work, "driven.trc"), os.path.join(work, "replayed.trc")
    code, out, err = driven([lgsim, "--trace=" + trace, "64", guest],
                            [(b"shell guest: ready\n", b"hi\n"), (b"answer: [hi]\n", b"quit\n")])
    check(out == b"shell guest: ready\nanswer: [hi]\nanswer: [quit]\n",
          "each line written after the guest's answer reaches it")
    check(code == 0 and b"lgsim: CRASH: Power down" in err, "and the guest powers off (exit 0)")
    p = subprocess.run([lgsim, "--replay=" + trace, "--trace=" + replayed, "64", guest],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=WAIT_S)
    d = subprocess.run([lgsim, "trace", "diff", trace, replayed], capture_output=True, text=True)
    check(p.returncode == 0 and d.returncode == 0 and "traces are the same" in d.stdout,
          "its replay is the same run, trace for trace")
    script = os.path.join(work, "lines.txt")
    with open(script, "wb") as f:
        f.write(b"hi\nquit\n")
    with open(script, "rb") as f:
        p = subprocess.run([lgsim, "64", guest], stdin=f, capture_output=True,
                           timeout=WAIT_S)
    check(p.returncode == 0 and p.stdout == out, "the same lines from a file: the same answers")


main()
