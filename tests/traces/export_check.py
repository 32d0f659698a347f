#!/usr/bin/env python3
"""export_check.py - lgsim trace export against the trace-event format's rules, and its filters.

usage: export_check.py LGSIM TRACE WORKDIR

The format's rules (Chrome's "Trace Event Format" document, as Perfetto and chrome://tracing
read it): a traceEvents array; each event a name, a phase, pid and tid, a timestamp in
microseconds; "X" with a duration >= 0, complete events of one thread nested, never
overlapping in part; "i" with a scope; flows ("s", "t", "f") with a category and an id, one
start and one finish per id, in time order, each point ("f" with "bp":"e") inside a slice of
its own lane, the one a viewer binds it to; metadata ("M") with its args; displayTimeUnit "ns",
the precision at which chrome://tracing compares slice bounds.  Then what lgsim's
export promises: the host lane has no slice but the idle ones (its work takes no virtual
time), and the filters (--rt, --from/--to, --kind) write only what they let through.
"""
import bisect, json, os, subprocess, sys

PHASES = {"X", "i", "s", "t", "f", "M"}


def fail(what):
    sys.exit("FAIL: " + what)


def check(cond, what):
    if not cond:
        fail(what)
    print("ok:", what)


def export(lgsim, trace, path, *filters):
    p = subprocess.run([lgsim, "trace", "export", "--format=chrome", *filters, "-o", path,
                        trace], capture_output=True, text=True)
    if p.returncode != 0:
        fail("export %s: exit %d: %s" % (" ".join(filters), p.returncode, p.stderr))
    with open(path) as f:
        return json.load(f)


def format_errors(doc):
    """The trace-event format's rules this file breaks (empty: none)."""
    errs = []
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["no traceEvents array"]
    # chrome://tracing nests slices compared at this unit's precision: at its default (ms, to
    # the microsecond) the Switcher's 83 and 92 ns slices, back to back, would nest.
    if doc.get("displayTimeUnit") != "ns":
        errs.append("displayTimeUnit %r, not \"ns\": chrome://tracing would nest sub-"
                    "microsecond slices" % doc.get("displayTimeUnit"))
    slices, flows, points = {}, {}, []
    for n, e in enumerate(doc["traceEvents"]):
        where = "event %d (%s)" % (n, e.get("name"))
        if not isinstance(e.get("name"), str) or e.get("ph") not in PHASES:
            errs.append(where + ": name or phase")
            continue
        if not all(isinstance(e.get(k), int) for k in ("pid", "tid")):
            errs.append(where + ": pid/tid")
        if e["ph"] == "M":
            if not isinstance(e.get("args"), dict):
                errs.append(where + ": metadata without args")
            continue
        if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
            errs.append(where + ": ts")
            continue
        if e["ph"] == "X":
            if not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0:
                errs.append(where + ": dur")
            slices.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"], n))
        elif e["ph"] == "i":
            if e.get("s") not in ("g", "p", "t"):
                errs.append(where + ": instant scope")
        else:
            if "id" not in e or not isinstance(e.get("cat"), str):
                errs.append(where + ": flow without id or cat")
            flows.setdefault(e.get("id"), []).append((e["ph"], e["ts"]))
            if e["ph"] != "f" or e.get("bp") == "e":
                points.append((e["pid"], e["tid"], e["ts"], where))
    for lane, xs in slices.items():   # nested or apart, never overlapping in part
        xs.sort(key=lambda s: (s[0], -s[1]))
        open_ends = []
        for start, end, n in xs:
            while open_ends and open_ends[-1] <= start + 1e-9:
                open_ends.pop()
            if open_ends and end > open_ends[-1] + 1e-9:
                errs.append("event %d overlaps an enclosing slice of lane %s in part" % (n, lane))
            open_ends.append(end)
    errs += unbound_flow_points(slices, points)
    for fid, steps in flows.items():
        phases = [p for p, _ in steps]
        times = [t for _, t in steps]
        if phases.count("s") != 1 or phases.count("f") != 1 or phases[0] != "s" or \
                phases[-1] != "f" or times != sorted(times):
            errs.append("flow %s: %s" % (fid, phases))
    return errs


def unbound_flow_points(slices, points):
    """Flow points with no complete event of their own lane around them: a viewer binds "s",
    "t" and an "f" with "bp":"e" to the enclosing slice, and drops the point without one."""
    errs, lanes = [], {}
    for lane, xs in slices.items():   # sorted by start above; the latest end so far
        ends, latest = [], -1.0
        for start, end, _ in xs:
            latest = max(latest, end)
            ends.append(latest)
        lanes[lane] = ([start for start, _, _ in xs], ends)
    for pid, tid, ts, where in points:
        starts, ends = lanes.get((pid, tid), ([], []))
        i = bisect.bisect_right(starts, ts + 1e-9) - 1
        if i < 0 or ends[i] < ts - 1e-9:
            errs.append(where + ": flow point at %s in no slice of its lane" % ts)
    return errs


def events(doc, *phases):
    return [e for e in doc["traceEvents"] if e["ph"] in phases]


def main():
    lgsim, trace, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    full = export(lgsim, trace, os.path.join(work, "all.json"))
    errs = format_errors(full)
    check(not errs, "the whole export keeps the trace-event format's rules %s" % errs[:3])
    host = [e for e in events(full, "X") if e["tid"] == 1]
    check(host and all(e["name"] == "idle (guest halted)" for e in host),
          "the host lane's only slices are idle time (its work takes no virtual time)")
    handles = [e for e in events(full, "i") if e["name"].startswith("host handles ")]
    check(handles and all(e["args"]["duration"].startswith("not modelled") for e in handles),
          "each exit the host handles is an instant that says its duration is not modelled")
    user = [e for e in events(full, "X") if e["tid"] == 4]
    check(any("iret reached ring 3 is not recorded" in e["name"] for e in user),
          "user code the guest's own iret reached sits in the user lane, and says so")

    rt = next(e["args"]["rt"] for e in events(full, "i") if e["name"] == "#PF reflected")
    one = export(lgsim, trace, os.path.join(work, "rt.json"), "--rt=%d" % rt)
    ev = events(one, "X", "i", "s", "t", "f")
    check(not format_errors(one) and ev and
          all(e["args"]["rt"] == rt for e in ev if "args" in e) and
          {e["id"] for e in ev if "id" in e} == {rt},
          "--rt=%d: that round trip's events and its flow only, in the format" % rt)
    check(len(ev) < len(events(full, "X", "i", "s", "t", "f")) / 5, "--rt cuts the file down")

    window = export(lgsim, trace, os.path.join(work, "window.json"), "--from=2ms", "--to=3ms")
    ev = events(window, "X", "i", "s", "t", "f")
    check(not format_errors(window) and ev and
          all(2000 <= e["ts"] and e["ts"] + e.get("dur", 0) <= 3000 + 1e-6 for e in ev),
          "--from=2ms --to=3ms: every event inside the window, slices cut to it")
    check(any(e["ph"] == "X" and e["ts"] == 2000 for e in ev),
          "a slice that began before --from starts at it")

    calls = export(lgsim, trace, os.path.join(work, "hcall.json"), "--kind=hcall")
    ev = events(calls, "X", "i", "s", "t", "f")
    check(not format_errors(calls) and ev and
          all(e["ph"] == "i" and "nr" in e["args"] for e in ev),
          "--kind=hcall: hypercall instants only")
    p = subprocess.run([lgsim, "trace", "export", "--format=chrome", "--kind=nonsense", trace],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "unknown record kind 'nonsense'" in p.stderr,
          "a bad filter is refused as dump refuses it")


main()
