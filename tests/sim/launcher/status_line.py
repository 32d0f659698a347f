#!/usr/bin/env python3
"""status_line.py - the status line of a long run: on a terminal's stderr, never elsewhere.

usage: status_line.py LGSIM MECH_GUEST WORKDIR

The mechanisms guest's spin-forever scenario computes until it is stopped.  Under a
pseudo-terminal lgsim draws a status line (virtual time, world switches per second, ring,
eip and symbol) once the run has lasted a second; the test waits for it (no clock decides
anything), then types ^C.  What the terminal shows afterwards, replayed by a tiny terminal
model, holds no status line: each was erased before lgsim's next line.  The trace of that run
is the one its replay writes with stderr on a pipe (the line never goes into a trace), and
with stdout sent to a file the line is on the terminal, not in the file.  With stderr on a
pipe, or with --quiet on the terminal, no status line is drawn at all.
"""
import fcntl, os, pty, re, select, struct, subprocess, sys, termios, time

STATUS = re.compile(rb"lgsim: (\d+\.\d) ms virtual, (\d+(?:\.\d)?[kM]?) switches/s, ring 1, "
                    rb"eip 0x[0-9a-f]+( <[^>]*>)?")
WAIT_S = 120   # only a failure waits this long


def fail(what):
    sys.exit("FAIL: " + what)


def check(cond, what):
    if not cond:
        fail(what)
    print("ok:", what)


def on_terminal(argv, columns, until=None, stdout_file=None):
    """argv under a pseudo-terminal `columns` wide (stdout into stdout_file instead, if
    named); ^C once `until` matches its output.  Returns (exit status, everything it wrote
    to the terminal)."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        if stdout_file:
            os.dup2(os.open(stdout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
        os.execv(argv[0], argv)
    out, sent, deadline = b"", until is None, time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:   # the child is gone
                break
            if not data:
                break
            out += data
        if not sent and until.search(out):
            os.write(fd, b"\x03")
            sent = True
    else:
        os.kill(pid, 9)
        fail("%s did not end; it wrote %r" % (argv, out[-400:]))
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


def screen(out):
    """The lines a terminal keeps, and the one the cursor is on: \\r goes back to the start
    of the line, \\n ends it, other bytes overwrite."""
    lines, line, col = [], bytearray(), 0
    for b in out:
        if b == 13:
            col = 0
        elif b == 10:
            lines.append(bytes(line).rstrip())
            line, col = bytearray(), 0
        else:
            line[col:col + 1] = bytes([b])
            col += 1
    return lines, bytes(line).rstrip()


def main():
    lgsim, guest, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    trace = os.path.join(work, "status.trc")
    run = [lgsim, "--trace=" + trace, "64", guest, "spin-forever"]
    code, out = on_terminal(run, 120, until=STATUS)
    draws = [m for m in STATUS.finditer(out)]
    check(draws and draws[0].group(3) and draws[0].group(3).startswith(b" <hostile_scenario+0x"),
          "on a terminal: a status line with the virtual time, the rate, ring, eip and symbol")
    check(all(out[m.start() - 1:m.start()] == b"\r" for m in draws),
          "each status line is drawn from the start of the line (\\r)")
    check(code == 130 and b"lgsim: stopped by signal 2" in out, "^C stops the run (exit 130)")
    check(re.search(rb"lgsim: the guest was at eip 0x[0-9a-f]+ <hostile_scenario\+0x[0-9a-f]+> "
                    rb"in ring 1, the guest kernel, at [0-9.]+ ms of virtual time\r?\n"
                    rb"lgsim: last world switch \(\d+ so far, both ways\): ", out) is not None,
          "after ^C: where the guest was (eip, symbol, ring) and the last world switch")
    kept, last = screen(out)
    check(not any(STATUS.search(l) for l in kept) and not STATUS.search(last),
          "the terminal keeps no status line: erased before lgsim's own lines and at the end")
    # (the terminal's own echo of ^C may follow where the cursor was: not lgsim's to erase)
    check(any(l.startswith(b"lgsim: stopped by signal 2") for l in kept) and last == b"",
          "lgsim's lines after it start at the left margin")
    virtual_ms = float(draws[-1].group(1))

    replayed = os.path.join(work, "replayed.trc")
    p = subprocess.run([lgsim, "--replay=" + trace, "--trace=" + replayed, "64", guest,
                        "spin-forever"], capture_output=True, timeout=WAIT_S)
    check(p.returncode == 130 and not STATUS.search(p.stderr) and b"\r" not in p.stderr,
          "stderr on a pipe: no status line (the replay stops where ^C stopped the run)")
    d = subprocess.run([lgsim, "trace", "diff", trace, replayed], capture_output=True, text=True)
    check(d.returncode == 0 and "traces are the same" in d.stdout,
          "the run that showed the status line has the same trace as its replay")

    out_file = os.path.join(work, "stdout.txt")
    code, out = on_terminal([lgsim, "64", guest, "spin-forever"], 120, until=STATUS,
                            stdout_file=out_file)
    with open(out_file, "rb") as f:
        stdout = f.read()
    check(STATUS.search(out) and not STATUS.search(stdout) and b"\r" not in stdout,
          "stdout elsewhere: the status line is on the terminal's stderr, never on stdout")

    # At least as much virtual time as the run above needed to show its line.
    long_enough = "--max-time=%d" % (2 * virtual_ms + 1)
    code, out = on_terminal([lgsim, "--quiet", long_enough, "64", guest, "spin-forever"], 120)
    check(code == 3 and not STATUS.search(out) and b"(--max-time)" in out,
          "--quiet on a terminal: no status line")
    code, out = on_terminal(run[:1] + ["--replay=" + trace] + run[2:], 80, until=STATUS)
    # each with its padding (and perhaps the terminal's echo of the ^C after it)
    drawn = [d.replace(b"^C", b"") for d in out.split(b"\r") if STATUS.match(d)]
    check(all(len(d) <= 79 for d in drawn) and
          all(b"<hostile_scenario+" not in d for d in drawn),
          "80 columns: the line fits in 79, the symbol cut short (%r)" % drawn[-1:])


main()
