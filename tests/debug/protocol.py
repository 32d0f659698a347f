#!/usr/bin/env python3
"""protocol.py - lgsim's GDB stub against a hostile or clumsy client, over a raw socket.

usage: protocol.py LGSIM KERNEL WORKDIR [--no-sigterm]

Bad checksums, unknown and oversized packets, binary junk, a truncated packet, malformed
arguments, a second connection while one is attached, Ctrl-C while running, and a client that
disconnects in the middle of a step: lgsim answers each cleanly, and the guest still finishes
with the same output and the same trace as a run without any debugger, with no hook of the
debugger's called after it left.  --no-sigterm leaves SIGTERM's cases out, for a Windows
lgsim.exe (run through Wine): Windows has no such signal, and Wine ends the process on it.
"""
import os, re, signal, socket, subprocess, sys, time

def frame(payload):
    data = payload.encode("latin-1") if isinstance(payload, str) else payload
    return b"$" + data + b"#%02x" % (sum(data) & 0xFF)

class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, raw):
        self.s.sendall(raw)

    def read_until(self, pattern):
        """Read until the bytes received so far match pattern; return and consume the match."""
        deadline = time.time() + 10
        while True:
            m = re.search(pattern, self.buf, re.S)
            if m:
                self.buf = self.buf[m.end():]
                return m
            if time.time() > deadline:
                raise AssertionError("timed out waiting for %r; have %r" % (pattern, self.buf))
            chunk = self.s.recv(65536)
            if not chunk:
                raise AssertionError("connection closed waiting for %r; have %r" % (pattern, self.buf))
            self.buf += chunk

    def packet(self, payload):
        """Send a good packet; return the reply payload (acks consumed)."""
        self.send(frame(payload))
        return self.read_until(rb"\+\$([^#]*)#[0-9a-f]{2}").group(1)

def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what)

def main():
    lgsim, kernel, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    plain_trace = os.path.join(work, "protocol.plain.trace")
    debug_trace = os.path.join(work, "protocol.debug.trace")
    plain = subprocess.run([lgsim, "--trace=" + plain_trace, "64", kernel],
                           capture_output=True, text=True, timeout=60)
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "--trace=" + debug_trace, "64",
                             kernel], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)

    c.send(b"$qSupported#00")
    c.read_until(rb"-")
    check(True, "a bad checksum is answered with '-'")
    check(b"qXfer:features:read+" in c.packet("qSupported:xmlRegisters=i386"),
          "qSupported offers the target description")
    check(c.packet("vLgsimNoSuchPacket") == b"", "an unknown packet gets the empty reply")
    c.send(frame("X" + "A" * 20000))
    check(c.read_until(rb"\+\$(E[0-9a-f]{2})#").group(1) == b"E16",
          "an oversized packet is refused with an error")
    c.send(bytes(range(256)).replace(b"$", b"").replace(b"\x03", b"") * 4)
    check(c.packet("?").startswith(b"T05"), "binary junk between packets is ignored")
    c.send(b"$m0,4")   # cut short by the next packet's start
    c.send(frame("g"))
    c.read_until(rb"-")
    c.read_until(rb"\+\$[0-9a-f]+#")
    check(True, "a truncated packet is answered with '-', the next one is served")
    check(c.packet("mzz,yy") == b"E01", "a malformed memory read is refused")
    check(c.packet("Z0,zz") == b"E01", "a malformed breakpoint is refused")
    check(c.packet("p999") == b"E01", "an unknown register number is refused")
    check(c.packet("qXfer:features:read:target.xml:0,10").startswith(b"m<?xml"),
          "the target description is served in pieces")

    second = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.packet("?")   # the CPU is stopped: the stub sees the second one while serving us
    got = b""
    while True:
        chunk = second.recv(100)
        if not chunk:
            break
        got += chunk
    check(got == frame("E01"), "a second connection is told E01 and closed")

    check(c.packet("s").startswith(b"T05"), "a step stops with SIGTRAP")
    peak = peak_memory_mib(proc.pid)
    if peak is None:
        print("skip: no /proc here to read lgsim's peak memory")
    else:
        # A step changes the hooks, so translated code is flushed: Unicorn's default 1 GiB
        # translation buffer was then cleared in full, seconds of page faults (the step
        # that timed out under load).
        check(peak < 768, "the step's flush of translated code leaves lgsim at %d MiB, not "
              "a whole 1 GiB translation buffer" % peak)
    c.send(frame("c"))
    c.read_until(rb"\+")
    c.send(b"\x03")
    r = c.read_until(rb"\$([TW][0-9a-f]{2})").group(1)
    check(r.startswith(b"T02") or r.startswith(b"W"), "Ctrl-C while running stops with SIGINT "
          "(or the guest had already finished)")
    if r.startswith(b"T"):
        c.send(frame("s"))   # and go away in the middle of the step
        c.s.close()
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("FAIL: lgsim hangs after the debugger disconnected mid-step")
        check("debugger gone" in err, "a debugger that disconnects mid-step is noticed")
    else:
        out, err = proc.communicate(timeout=60)
    check(proc.returncode == plain.returncode and out == plain.stdout,
          "the guest finishes as without a debugger (exit %d)" % proc.returncode)
    check(open(plain_trace, "rb").read() == open(debug_trace, "rb").read(),
          "the trace equals the undebugged run's")
    hooks = re.search(r"gdb: (\d+) code hook calls, (\d+) with no debugger attached", err)
    check(hooks and int(hooks.group(1)) > 0 and hooks.group(2) == "0",
          "the step's every-instruction hook is gone once the debugger is (%s)" %
          (hooks.group(0) if hooks else "no hook count in lgsim's stderr"))
    killed_by_debugger(lgsim, kernel, work)
    host_memory_writes(lgsim, kernel, work)
    monitor_numbers(lgsim, kernel, work)
    shadow_not_filled(lgsim, kernel, work)
    long_way_back(lgsim, kernel, work)
    no_sigterm = "--no-sigterm" in sys.argv[4:]
    for sig in (signal.SIGINT,) if no_sigterm else (signal.SIGTERM, signal.SIGINT):
        stop_signal_while_waiting(lgsim, kernel, work, sig)
    if not no_sigterm:
        stop_signal_while_held(lgsim, kernel, work)
    return 0

def peak_memory_mib(pid):
    try:
        status = open("/proc/%d/status" % pid).read()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(m.group(1)) // 1024 if m else None

def monitor_reply(c, command):
    """A monitor command's output ('O' packets) and how it ended: b"OK", or b"E01" refused."""
    c.send(frame("qRcmd," + command.encode().hex()))
    text = b""
    while True:
        r = c.read_until(rb"\+?\$([^#]*)#[0-9a-f]{2}").group(1)
        if r == b"OK" or r.startswith(b"E"):
            return text.decode(), r
        text += bytes.fromhex(r[1:].decode())

def monitor(c, command):
    """A monitor command's output, whether it was served or refused."""
    return monitor_reply(c, command)[0]

def refused(c, command, says):
    text, end = monitor_reply(c, command)
    check(end == b"E01" and text.startswith(says),
          "monitor %s is an error (E01) that says: %s" % (command, text.strip()))

HOST_GDT, HOST_CODE, SWITCHER_ADDR, GUEST_PHYS_BASE = 0x1000, 0x10000, 0xFFC00000, 0x40000000

def host_memory_writes(lgsim, kernel, work):
    """M and X into host memory are refused unless 'monitor host-writes on'; then the
    containment check at exit names the debugger, not a simulator bug."""
    plain = subprocess.run([lgsim, "64", kernel], capture_output=True, text=True, timeout=60)
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    c.packet("?")
    check("memory view: host" in monitor(c, "view host"), "monitor view host")
    for addr, what in ((HOST_GDT, "the host GDT"), (HOST_CODE, "the host code"),
                       (SWITCHER_ADDR, "the Switcher text")):
        before = c.packet("m%x,4" % addr)
        check(c.packet("M%x,4:90909090" % addr) == b"E14", "M into %s is refused" % what)
        check(c.packet("X%x,4:" % addr + "\x90" * 4) == b"E14", "X into %s is refused" % what)
        check(c.packet("m%x,4" % addr) == before, "%s is unchanged" % what)
    # A write that runs off the end of guest memory is refused whole: none of it is written.
    monitor(c, "view physical")
    guest_end = GUEST_PHYS_BASE + 64 * 1024 * 1024
    before = c.packet("m%x,2" % (guest_end - 2))
    check(c.packet("M%x,4:00000000" % (guest_end - 2)) == b"E14" and
          c.packet("m%x,2" % (guest_end - 2)) == before,
          "a write running off the end of guest memory is refused whole")
    same = c.packet("m%x,4" % GUEST_PHYS_BASE)
    check(c.packet("M%x,4:%s" % (GUEST_PHYS_BASE, same.decode())) == b"OK",
          "a write into guest memory is still served")
    check("refused" in monitor(c, "host-writes"), "host writes are refused by default")
    check("allowed" in monitor(c, "host-writes on"), "monitor host-writes on")
    monitor(c, "view host")
    spare = HOST_GDT + 0xFF0    # past the host GDT's limit: nothing reads it
    check(c.packet("M%x,4:a5a5a5a5" % spare) == b"OK" and
          c.packet("m%x,4" % spare) == b"a5a5a5a5", "with host-writes on, M writes host memory")
    c.send(frame("c"))
    out, err = proc.communicate(timeout=60)
    check(proc.returncode == plain.returncode and out == plain.stdout,
          "the guest finishes as without a debugger (exit %d)" % proc.returncode)
    check("lgsim: host memory at %#x changed while the guest ran (4 bytes): written by the "
          "debugger (monitor host-writes on)" % spare in err and "simulator bug" not in err,
          "the containment check names the debugger as the writer")
    check(err.count("refused a write to host memory") == 7,
          "each refused write says why on lgsim's stderr")

def long_way_back(lgsim, kernel, work):
    """While "monitor back" goes a long way, gdb hears it is still going (an empty output
    packet every 65536 instructions run), so it does not give up on the reply."""
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    c.packet("QStartNoAckMode")
    for _ in range(30):   # thirty page faults in: a few hundred thousand instructions
        monitor(c, "until pf")
        c.send(frame("c"))
        c.read_until(rb"\$T05[^#]*#[0-9a-f]{2}")
    c.send(frame("qRcmd," + b"back 150000".hex()))
    alive, text = 0, b""
    while True:
        r = c.read_until(rb"\$([^#]*)#[0-9a-f]{2}").group(1)
        if r == b"OK" or r.startswith(b"E"):
            break
        if r == b"O":
            alive += 1
        text += bytes.fromhex(r[1:].decode())
    check(alive >= 2 and r == b"OK" and b"instructions after checkpoint 0" in text,
          "monitor back 150000 says it goes on while it does (%d empty output packets), "
          "then where it is" % alive)
    c.send(frame("k"))
    proc.communicate(timeout=60)

def monitor_numbers(lgsim, kernel, work):
    """The monitor's numbers are digits in range, or refused with a line saying so."""
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    c.packet("?")
    check(monitor(c, "walk -1") == "walk: bad address '-1' (walk ADDR: 0 to 0xffffffff, eip, "
          "esp, ebp, cr2 or a kernel symbol)\n", "monitor walk -1 is refused")
    check(monitor(c, "walk 0x100000000").startswith("walk: bad address"),
          "monitor walk past 32 bits is refused")
    check(monitor(c, "walk 0xc0000000").startswith("linear 0xc0000000: directory index 768"),
          "monitor walk 0xc0000000 is served")
    check(monitor(c, "until hcall -4294967295").startswith("until: bad number"),
          "monitor until hcall with a negative number is refused")
    check(monitor(c, "until hcall 3x").startswith("until: bad number"),
          "monitor until hcall with a junk suffix is refused")
    check(monitor(c, "until hcall 0x11").startswith("the next continue stops at hypercall 17"),
          "monitor until hcall 0x11 is served")
    # Junk is refused as an error gdb fails the command on; names are served.
    refused(c, "walk", "walk which address?")
    refused(c, "walk nonsense", "walk: bad address 'nonsense'")
    refused(c, "walk 12abc", "walk: bad address '12abc'")
    refused(c, "nonsense", "unknown monitor command 'nonsense' (monitor help lists them)")
    refused(c, "view nowhere", "unknown view 'nowhere'")
    refused(c, "until later", "until what?")
    refused(c, "back pf 0", "back: bad argument '0'")
    refused(c, "back switch 4097", "back: bad argument '4097'")
    refused(c, "back hcall=x", "back: bad argument 'hcall=x'")
    refused(c, "back later", "back: bad argument 'later'")
    refused(c, "pt 1", "pt: 'pt' alone, or 'pt FROM TO' (two addresses), not '1'")
    refused(c, "pt 1 2 3", "pt: 'pt' alone, or 'pt FROM TO' (two addresses), not '1 2 3'")
    refused(c, "pt junk 7", "pt: bad address in 'junk 7'")
    refused(c, "pt 0 0x100000001", "pt: bad address in '0 0x100000001'")
    refused(c, "pt 5 4", "pt: FROM 0x5 is not below TO 0x4")
    pt = monitor(c, "pt")
    check(pt.startswith("page tables from 0 to 0x100000000: the Guest's own (none yet: the "
                        "Host treats the Guest as identity-mapped)"),
          "monitor pt before the Guest's first page table says it has none")
    check(monitor_reply(c, "help")[1] == b"OK" and "lgsim monitor commands" in monitor(c, "help"),
          "monitor help is served")
    check(monitor(c, "walk eip").startswith("linear 0x10000: directory index 0, table index 16"),
          "monitor walk eip walks the CPU's eip (the host routine's first instruction)")
    check(monitor(c, "walk lguest_data").startswith("linear 0xc0103000: directory index 768"),
          "monitor walk lguest_data walks the kernel symbol's address")
    check(monitor_reply(c, "walk cr2")[1] == b"OK", "monitor walk cr2 is served")
    c.send(frame("k"))
    proc.communicate(timeout=60)

def shadow_not_filled(lgsim, kernel, work):
    """An address the guest maps and the shadow has no entry for yet: monitor walk and pt say
    so and name the level missing; gdb's read of it fails, and lgsim's stderr says why."""
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    c.packet("?")
    check(monitor(c, "walk 0x100000") == "linear 0x100000: directory index 0, table index 256\n"
          "  guest : no page table yet (identity) -> guest-physical 0x100000\n"
          "  shadow: pde 0x00000000 -> no entry yet: its directory entry 0 is not present "
          "(root 0x200000); the host fills it at the guest's first access (demand_page)\n",
          "before the guest's first page table, walk names the shadow's missing directory entry")
    check(monitor(c, "walk 0xc0100000").endswith("past the guest's memory\n  shadow: pde "
          "0x00000000 -> not mapped: its directory entry 768 is not present (root 0x200000)\n"),
          "an identity address past guest memory is not mapped, not 'no entry yet'")
    addr = int(re.search(r"linear (0x[0-9a-f]+)", monitor(c, "walk do_page_fault")).group(1), 16)
    check(c.packet("Z0,%x,1" % addr) == b"OK", "a breakpoint at do_page_fault")
    c.send(frame("c"))
    c.read_until(rb"\$T05[^#]*#")
    check(monitor(c, "walk 0xc0100000").endswith("  shadow: pde 0x00206023 pte 0x00000000 -> "
          "no entry yet: its table entry 256 is not present (root 0x203000); the host fills "
          "it at the guest's first access (demand_page)\n"),
          "walk names the shadow's missing table entry")
    check(monitor(c, "walk 0x40000000").endswith("  guest : pde 0x00000000 -> not mapped: its "
          "directory entry 256 is not present\n  shadow: pde 0x00000000 -> not mapped: its "
          "directory entry 256 is not present (root 0x203000)\n"),
          "walk of an address nobody maps names the missing directory entry on both sides")
    check(re.search(r"^c0110000-c0ffffff  00110000-00ffffff  P W - A D - --  no entry yet$",
                    monitor(c, "pt"), re.M) is not None,
          "monitor pt says 'no entry yet' where the guest maps and the shadow does not")
    check(c.packet("mc0f00000,4") == b"E14" and c.packet("mc0f01000,4") == b"E14",
          "gdb cannot read an address the shadow has not filled, in the current view")
    c.send(frame("k"))
    out, err = proc.communicate(timeout=60)
    said = "lgsim: gdb: 0xc0f00000 cannot be read in the current view: the shadow has no " \
           "entry for it yet (its directory entry 771 is not present; the host fills it at " \
           "the guest's first access, demand_page()); the guest's own table maps it to " \
           "guest-physical 0xf00000: 'monitor view guest' reads it there, 'monitor walk " \
           "0xc0f00000' shows both walks\n"
    check(said in err and err.count("cannot be read") == 1,
          "lgsim's stderr says why the read failed, once a stop")

def killed_by_debugger(lgsim, kernel, work):
    """'k' ends the run the normal way: exit 1 with a reason, and a whole trace file."""
    trace = os.path.join(work, "protocol.killed.trace")
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "--trace=" + trace, "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    c.packet("?")
    c.send(frame("k"))
    out, err = proc.communicate(timeout=60)
    check(proc.returncode == 1 and "lgsim: killed by the debugger" in err,
          "'k' kills the guest with a reason (exit %d)" % proc.returncode)
    dump = subprocess.run([lgsim, "trace", "dump", "--kind=death", trace], capture_output=True,
                          text=True, timeout=60)
    check(dump.returncode == 0 and '"killed by the debugger"' in dump.stdout,
          "the killed run's trace is whole and ends with its death")

def stop_signal_while_waiting(lgsim, kernel, work, sig):
    """--gdb-wait with no debugger ends on SIGTERM or SIGINT as any run does: a line that says
    so, "stopped by signal N", exit 128 + N, and a whole trace."""
    trace = os.path.join(work, "protocol.signal.trace")
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "--trace=" + trace, "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:   # the wait has begun once it says so
        seen.append(line)
        if "waiting for a debugger to attach" in line:
            break
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        sys.exit("FAIL: lgsim --gdb-wait did not end on signal %d" % sig)
    err = "".join(seen) + err
    check(proc.returncode == 128 + sig and
          "lgsim: gdb: signal %d while waiting for a debugger (--gdb-wait): no debugger "
          "attached, the run ends" % sig in err and "lgsim: stopped by signal %d" % sig in err,
          "--gdb-wait ends on signal %d with a line saying so (exit %d)" % (sig, proc.returncode))
    dump = subprocess.run([lgsim, "trace", "dump", "--kind=death", trace], capture_output=True,
                          text=True, timeout=60)
    check(dump.returncode == 0 and '"stopped by signal %d"' % sig in dump.stdout,
          "the run stopped while waiting has a whole trace")

def stop_signal_while_held(lgsim, kernel, work):
    """SIGTERM while a debugger holds the machine stopped: gdb is told the process ended by it
    (X0f) and let go, and the run ends as a signal ends it."""
    proc = subprocess.Popen([lgsim, "--gdb=0", "--gdb-wait", "64", kernel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stderr.readline()).group(1))
    c = Client(port)
    check(c.packet("?").startswith(b"T05"), "the debugger holds the machine")
    proc.send_signal(signal.SIGTERM)
    check(c.read_until(rb"\$(X[0-9a-f]{2})#").group(1) == b"X0f",
          "SIGTERM while the debugger holds the machine: gdb hears X0f")
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        sys.exit("FAIL: lgsim held by a debugger did not end on SIGTERM")
    check(proc.returncode == 143 and "signal 15 while the debugger held the machine" in err and
          "lgsim: stopped by signal 15" in err,
          "and the run ends as a signal ends it (exit %d)" % proc.returncode)

if __name__ == "__main__":
    sys.exit(main())
