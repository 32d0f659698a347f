#!/usr/bin/env python3
"""gdb_back_latency.py - how long going back takes as a gdb user sees it (the whole way: gdb,
the stub, debug/travel.c's passes): reverse-stepi (the first from a place, which measures where
the CPU is, and the next, which knows), and monitor back pf / switch / hcall, at places spread
over a run.  Medians from one run.

usage: gdb_back_latency.py LGSIM [lgsim args: MEM KERNEL ...]   (default: the teaching guest)
The places are the stops at the 1st, 3rd, 7th, 15th, ... world switch (any guest has them);
it stops at the run's end or after 16 places.  Needs gdb.
"""
import os, re, shutil, subprocess, sys, tempfile

INSIDE = r'''
import gdb, time, statistics
def took(cmd):
    t0 = time.perf_counter()
    gdb.execute(cmd, to_string=True)
    return (time.perf_counter() - t0) * 1e3
names = ["reverse-stepi (first)", "reverse-stepi (next)", "monitor back pf",
         "monitor back switch", "monitor back hcall"]
rows, hops = [], 1
try:
    while len(rows) < 16:
        for _ in range(hops):
            gdb.execute("monitor until switch", to_string=True)
            gdb.execute("continue", to_string=True)
        hops *= 2
        where = gdb.execute("monitor where", to_string=True)
        ms = int(re.search(r"virtual time (\d+) ns", where).group(1)) / 1e6
        row = [took("reverse-stepi"), took("reverse-stepi")]
        gdb.execute("stepi 2", to_string=True)
        row += [took("monitor back pf"), took("monitor back switch"), took("monitor back hcall")]
        rows.append(row)
        print("PLACE %.3f ms: " % ms + ", ".join("%s %.1f ms" % (n, v) for n, v in zip(names, row)))
except gdb.error:
    pass
for i, n in enumerate(names):
    if rows:
        print("MEDIAN %s: %.1f ms over %d places (slowest %.1f ms)" %
              (n, statistics.median(r[i] for r in rows), len(rows), max(r[i] for r in rows)))
'''

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lgsim, args = sys.argv[1], sys.argv[2:]
    gdb = shutil.which("gdb")
    if not gdb:
        sys.exit("gdb is not installed")
    work = tempfile.mkdtemp(prefix="lgsim-back-")
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait"] + args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    port = re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1)
    py = os.path.join(work, "inside.py")
    open(py, "w").write("import re\n" + INSIDE)
    cmds = os.path.join(work, "cmds.gdb")
    open(cmds, "w").write("source %s\nlgsim-connect %s\nsource %s\nkill\n" %
                          (os.path.join(os.path.dirname(lgsim), "lgsim.gdb"), port, py))
    out = subprocess.run([gdb, "-batch", "-nx", "-x", cmds], capture_output=True, text=True).stdout
    proc.wait(timeout=60)
    print("\n".join(l for l in out.splitlines() if l.startswith(("PLACE", "MEDIAN"))))
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
