#!/usr/bin/env python3
"""session.py - run lgsim --gdb-wait, drive it with real gdb in batch mode, check what gdb says.

usage: session.py LGSIM GDBSCRIPT EXPECT KERNEL SWITCHER_O WORKDIR [--OPTION...] [KERNEL ARGS...]

Arguments after WORKDIR that start with "--" are lgsim's options (--block=...), for both runs.

KERNEL may be env:NAME: the kernel named by that environment variable (a real Linux 4.4
vmlinux); the test is skipped (77) when it is unset.

GDBSCRIPT is a gdb command file; @PORT@, @SWITCHER@, @KERNEL@, @GDBINIT@ and @SAVED@ are
replaced.  A script that saves the machine there ("monitor save @SAVED@") has the saved file
restored afterwards: that run must power off as the undebugged run did, its console output
the end of the undebugged run's.
EXPECT holds one regular expression per line that gdb's output must match, in order; a line
that ends in " \\" goes on with the next, and the two must match consecutive lines.
When GDBSCRIPT has a sibling NAME.input, both runs read it as their stdin (console input).
The debugged run's binary trace must equal an undebugged run's, byte for byte, and none of the
debugger's hooks may run once it has detached (lgsim's closing count on stderr).
Exit 77 (skipped) when gdb is not installed.
"""
import os, re, shutil, subprocess, sys, time

def lgsim_port(proc):
    """lgsim prints "listening on 127.0.0.1:PORT" on stderr when --gdb=0 picked a port."""
    line = proc.stderr.readline()
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not m:
        sys.exit("no port in lgsim's first line: %r" % line)
    return m.group(1)

def expectations(path):
    """The expected regular expressions, with continued lines joined by a newline."""
    wants, joined = [], ""
    for l in open(path).read().splitlines():
        if not l or l.startswith("#"):
            continue
        if l.endswith(" \\"):
            joined += l[:-2] + "\n"
            continue
        wants.append(joined + l)
        joined = ""
    return wants

def main():
    lgsim, script, expect, kernel, switcher, work = sys.argv[1:7]
    opts = [a for a in sys.argv[7:] if a.startswith("--")]
    kargs = [a for a in sys.argv[7:] if not a.startswith("--")]
    if kernel.startswith("env:"):
        kernel = os.environ.get(kernel[4:], "")
        if not kernel:
            print("set %s to a Linux 4.4 lguest vmlinux to run this test: skipped" % sys.argv[4][4:])
            return 77
    gdb = shutil.which("gdb")
    if not gdb:
        print("gdb is not installed: skipped")
        return 77
    os.makedirs(work, exist_ok=True)
    name = os.path.splitext(os.path.basename(script))[0]
    plain_trace = os.path.join(work, name + ".plain.trace")
    debug_trace = os.path.join(work, name + ".debug.trace")
    input_path = os.path.splitext(script)[0] + ".input"   # console input for both runs
    stdin = lambda: open(input_path, "rb") if os.path.exists(input_path) else None
    plain = subprocess.run([lgsim, "--trace=" + plain_trace] + opts + ["64", kernel] + kargs,
                           stdin=stdin(), capture_output=True, text=True, timeout=60)
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "--trace=" + debug_trace] + opts +
                            ["64", kernel] + kargs, stdin=stdin(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    port = lgsim_port(proc)
    text = open(script).read()
    gdbinit = os.path.join(os.path.dirname(lgsim), "lgsim.gdb")
    srcdir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(script))))
    saved = os.path.join(work, name + ".saved")
    if os.path.exists(saved):
        os.remove(saved)
    for k, v in (("@PORT@", port), ("@SWITCHER@", switcher), ("@KERNEL@", kernel),
                 ("@GDBINIT@", gdbinit), ("@SRCDIR@", srcdir), ("@SAVED@", saved)):
        text = text.replace(k, v)
    cmds = os.path.join(work, name + ".gdb")
    open(cmds, "w").write(text)
    g = subprocess.run([gdb, "-batch", "-nx", "-x", cmds], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    out = g.stdout
    try:
        lg_out, lg_err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        print(out)
        sys.exit("lgsim did not finish after gdb detached")
    print(out)
    pos = 0
    for want in expectations(expect):
        m = re.compile(want, re.M).search(out, pos)
        if not m:
            sys.exit("FAIL: gdb output lacks (after offset %d): %s" % (pos, want))
        pos = m.end()
    if proc.returncode != plain.returncode or lg_out != plain.stdout:
        sys.exit("FAIL: the debugged run differs: exit %d vs %d\n%s" %
                 (proc.returncode, plain.returncode, lg_err))
    if open(plain_trace, "rb").read() != open(debug_trace, "rb").read():
        sys.exit("FAIL: the debugged run's trace differs from the undebugged run's")
    hooks = re.search(r"gdb: \d+ code hook calls, (\d+) with no debugger attached", lg_err)
    if not hooks or hooks.group(1) != "0":
        sys.exit("FAIL: the debugger's hooks outlived it: %s" %
                 (hooks.group(0) if hooks else "no hook count in lgsim's stderr\n" + lg_err))
    print("ok: gdb said what was expected; same console output and same trace as without gdb;")
    print("ok: no hook of the debugger's ran after it detached")
    if "@SAVED@" in open(script).read():
        r = subprocess.run([lgsim, "--restore=" + saved], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != plain.returncode or not plain.stdout.endswith(r.stdout) or not r.stdout:
            sys.exit("FAIL: the machine saved from gdb, restored, ends otherwise: exit %d\n%s%s" %
                     (r.returncode, r.stdout, r.stderr))
        print("ok: the machine saved from gdb goes on to the undebugged run's end")
    return 0

if __name__ == "__main__":
    sys.exit(main())
