#!/usr/bin/env python3
"""fuzz.py - run the fuzz guest from many seeds and classify every run.

usage: fuzz.py LGSIM FUZZ_GUEST --seeds=A-B[,C[-D]...] [--max-time=MS] [--wall=S] [--jobs=N]
               [--work=DIR] [--log=FILE]

Each seed is one run: lgsim --max-time=MS --rng --block=IMG 64 FUZZ_GUEST seed=N, with a
wall-clock bound of S seconds.  A run ends one of three good ways:
  killed      lgsim killed the guest with a message (4.4's words)
  powered-off the guest shut down (or asked for a restart and ran out of time after it)
  max-time    the guest ran until --max-time
or it is BAD: a signal, a hang (the wall-clock bound), exit 2, "simulator bug", host memory
changed, a sanitizer report, or an exit status lgsim never gives.  Prints one line per BAD
(seed and command, to run it again) and a summary; exit status 1 when anything was BAD.
"""
import concurrent.futures, os, re, signal, subprocess, sys, time

BAD_WORDS = re.compile(r"simulator bug|host memory at|AddressSanitizer|LeakSanitizer|"
                       r"runtime error|UndefinedBehaviorSanitizer|ThreadSanitizer")

SEEDS = r"\d+(-\d+)?(,\d+(-\d+)?)*"   # seeds and ranges of seeds, e.g. 1-200,25647

def seed_list(spec):
    seeds = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds

def parse(argv):
    opt = {"max-time": "20", "wall": "60", "jobs": "1", "work": "fuzz-work", "log": ""}
    pos = []
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            if k not in opt and k != "seeds":
                sys.exit("fuzz.py: unknown option %s" % a)
            opt[k] = v
        else:
            pos.append(a)
    if len(pos) != 2 or "seeds" not in opt or not re.fullmatch(SEEDS, opt["seeds"]):
        sys.exit(__doc__.strip().split("\n\n")[1])
    for k in ("max-time", "wall", "jobs"):
        if not opt[k].isdigit() or int(opt[k]) < 1:
            sys.exit("fuzz.py: --%s needs a positive number, not '%s'" % (k, opt[k]))
    return pos[0], pos[1], opt

def command(lgsim, guest, seed, opt, image):
    return [lgsim, "--max-time=" + opt["max-time"], "--rng", "--block=" + image, "64", guest,
            "seed=%d" % seed]

def classify(rc, err, hung):
    if hung:
        return "BAD", "hang: no end within the wall-clock bound"
    if rc < 0:
        return "BAD", "signal %d (%s)" % (-rc, signal.Signals(-rc).name)
    m = BAD_WORDS.search(err)
    if m:
        line = next(l for l in err.splitlines() if m.group(0) in l)
        return "BAD", line.strip()
    if rc == 2:
        return "BAD", "exit 2: " + (err.strip().splitlines() or [""])[-1]
    if rc == 3:
        return "max-time", ""
    if rc in (0, 4):
        return "powered-off", ""
    if rc == 1 and "all actions done" in err:
        return "powered-off", ""
    if rc == 1:
        return "killed", ""
    return "BAD", "exit %d, which lgsim never gives" % rc

def run_one(lgsim, guest, seed, opt, worker_dir):
    image = os.path.join(worker_dir, "disk-%d.img" % seed)   # zeros: a run starts as any other
    with open(image, "wb") as f:
        f.write(bytes(65536))
    cmd = command(lgsim, guest, seed, opt, image)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    hung = False
    try:
        _, err = p.communicate(timeout=int(opt["wall"]))
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        hung = True
    os.unlink(image)
    err = err.decode(errors="replace")
    kind, why = classify(p.returncode, err, hung)
    return seed, kind, why, cmd

def main():
    lgsim, guest, opt = parse(sys.argv[1:])
    seeds = seed_list(opt["seeds"])
    os.makedirs(opt["work"], exist_ok=True)
    log = open(opt["log"], "a", buffering=1) if opt["log"] else None   # a line at a time
    counts = {"killed": 0, "powered-off": 0, "max-time": 0, "BAD": 0}
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(int(opt["jobs"])) as pool:
        futures = [pool.submit(run_one, lgsim, guest, s, opt, opt["work"])
                   for s in seeds]
        for f in futures:
            seed, kind, why, cmd = f.result()
            counts[kind] += 1
            if kind == "BAD":
                print("BAD seed %d: %s\n  %s" % (seed, why, " ".join(cmd)), flush=True)
            if log:
                log.write("%d %s %s\n" % (seed, kind, why))
    took = time.time() - start
    total = sum(counts.values())
    summary = ("fuzz: %d runs (seeds %s) in %.0f s, %.0f runs/hour: %d killed, %d powered "
               "off, %d max-time, %d BAD" % (total, opt["seeds"], took, total * 3600 / took,
               counts["killed"], counts["powered-off"], counts["max-time"], counts["BAD"]))
    print(summary)
    if log:
        log.write("# " + summary + "\n")
    return 1 if counts["BAD"] else 0

sys.exit(main())
