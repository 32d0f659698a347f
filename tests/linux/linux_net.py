#!/usr/bin/env python3
"""linux_net.py - a real Linux 4.4 lguest guest on the network: --net=user and --tunnet.

Needs LGSIM_LINUX_44_1 (a 4.4.1 lguest vmlinux with CONFIG_VIRTIO_NET and CONFIG_INET) and
LGSIM_LINUX_44_INITRD (an initramfs whose /init starts a busybox shell on /dev/hvc0); without
them, or in a build without libslirp, the test is skipped (exit 77).  The guest configures
10.0.2.15 by hand, pings slirp's gateway (twice: the same trace both times), fetches a file
from an HTTP server this test runs on the host's 127.0.0.1, sends 2 MB to the host and serves
a line through a host port forward; then it replays three of those runs from their traces
with no network (--replay) and wants the same traces.  With CAP_NET_ADMIN and /dev/net/tun it also pings the host
end of a --tunnet TAP device (that part is skipped otherwise).

usage: linux_net.py LGSIM WORKDIR
"""
import functools
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time

from linux_devices import SKIP, check, run, stats

UP = ["ifconfig eth0 10.0.2.15 up\n", "route add default gw 10.0.2.2\n"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot_args(kernel, initrd, trace, net="--net=user"):
    return ["--trace=" + trace, "--max-time=60000", "64m", kernel, "--initrd=" + initrd, net,
            "console=hvc0"]


def ping(lgsim, kernel, initrd, work):
    """slirp answers the gateway's ICMP itself, at once: a run repeats, trace and all."""
    script = UP + ["ping -c 2 10.0.2.2\n", "poweroff -f\n"]
    traces = [os.path.join(work, name + ".trc") for name in ("ping1", "ping2")]
    outs = [run(lgsim, boot_args(kernel, initrd, t), script) for t in traces]
    code, out, err = outs[0]
    check(code == 0 and "virtio_net" not in err, "the guest powers off (exit 0)")
    check("2 packets transmitted, 2 packets received" in out, "ping 10.0.2.2 is answered")
    check(stats(lgsim, traces[0]).get("net_in", 0) >= 3, "frames given are in the trace")
    diff = subprocess.run([lgsim, "trace", "diff"] + traces, capture_output=True, text=True)
    check(diff.returncode == 0, "a second run gives the same trace: " +
          (diff.stdout.splitlines() or ["?"])[0])


def wget(lgsim, kernel, initrd, work):
    """TCP out through slirp's NAT: 10.0.2.2 is the host's 127.0.0.1."""
    www = os.path.join(work, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "hello.txt"), "w") as f:
        f.write("served by the host to lgsim's guest\n")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=www)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    script = UP + ["wget -q -O - http://10.0.2.2:%d/hello.txt\n" % port, "poweroff -f\n"]
    code, out, err = run(lgsim, boot_args(kernel, initrd, os.path.join(work, "wget.trc")),
                         script)
    server.shutdown()
    check(code == 0 and "served by the host to lgsim's guest" in out,
          "wget fetches a file from the host's HTTP server")


def connect_and_read(port, secs=30):
    """What a connection to the forwarded port reads; retried while the guest refuses it."""
    end = time.time() + secs
    while time.time() < end:
        got = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=secs) as s:
                for data in iter(lambda: s.recv(100), b""):
                    got += data
        except OSError:
            pass
        if got:
            return got
        time.sleep(0.1)
    return b""


def hostfwd(lgsim, kernel, initrd, work):
    """A host port forwarded to the guest: a connection to it reaches busybox nc -l.  The host
    connects once the guest says it is about to listen (its ping taught slirp its address)."""
    port = free_port()
    script = UP + ["ping -c 1 10.0.2.2 >/dev/null; echo guest-$((6*7)); "
                   "echo served-by-the-guest | nc -l -p 8080\n", "poweroff -f\n"]
    args = boot_args(kernel, initrd, os.path.join(work, "fwd.trc"),
                     "--net=user,hostfwd=tcp:127.0.0.1:%d-:8080" % port)
    proc = subprocess.Popen([lgsim] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write("".join(script).encode())
    proc.stdin.close()
    got = b""
    for line in proc.stdout:
        if line.startswith(b"guest-42"):
            got = connect_and_read(port)
            break
    proc.stdout.read()
    code = proc.wait(timeout=120)
    check(code == 0 and b"served-by-the-guest" in got,
          "a host connection to the forwarded port reaches the guest's server")


def receiver():
    """A host TCP server that keeps what one connection sends: (port, thread, result)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    got = []

    def serve():
        conn, _ = srv.accept()
        with conn:
            got.append(b"".join(iter(lambda: conn.recv(65536), b"")))
        srv.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv.getsockname()[1], t, got


def upload(lgsim, kernel, initrd, work):
    """2 MB from the guest: TSO frames and left-over checksums, finished in software for slirp."""
    port, thread, got = receiver()
    script = UP + ["nc 10.0.2.2 %d < /bin/busybox; md5sum /bin/busybox\n" % port,
                   "poweroff -f\n"]
    code, out, err = run(lgsim, boot_args(kernel, initrd, os.path.join(work, "up.trc")), script)
    thread.join(10)
    want = got and hashlib.md5(got[0]).hexdigest()
    check(code == 0 and want and len(got[0]) > 1000000 and want + "  /bin/busybox" in out,
          "a file the guest sends arrives whole (%d bytes)" % len(got[0] if got else b""))


def replays(lgsim, kernel, initrd, work):
    """--replay of the wget, upload and port-forward runs: no stdin, no slirp, their host peers
    long gone; the frames come from the traces, at the same points: the same traces."""
    for name, want in (("wget", "served by the host to lgsim's guest"),
                       ("up", "  /bin/busybox"), ("fwd", "guest-42")):
        replay(lgsim, kernel, initrd, work, name, want)


def replay(lgsim, kernel, initrd, work, name, want, net="--net=user"):
    old, new = (os.path.join(work, name + s + ".trc") for s in ("", "-replayed"))
    code, out, err = run(lgsim, ["--replay=" + old] + boot_args(kernel, initrd, new, net))
    diff = subprocess.run([lgsim, "trace", "diff", old, new], capture_output=True, text=True)
    check(code == 0 and want in out and diff.returncode == 0,
          "%s replayed from its trace alone: %s" % (name, (diff.stdout.splitlines() or
                                                            [err.strip()])[0]))


def tap(lgsim, kernel, initrd, work):
    """--tunnet=IP as 4.4: the host end of a TAP device answers the guest's ping."""
    script = ["ifconfig eth0 192.168.219.2 up\n", "ping -c 2 192.168.219.1\n", "poweroff -f\n"]
    code, out, err = run(lgsim, boot_args(kernel, initrd, os.path.join(work, "tap.trc"),
                                          "--tunnet=192.168.219.1"), script)
    if "--tunnet:" in err:
        print("SKIPPED (TAP part): " + err.strip().splitlines()[-1])
        return
    check(code == 0 and "2 packets transmitted, 2 packets received" in out,
          "the host end of the TAP device answers ping")
    # No TAP device is made for the replay (it needs no privileges).
    replay(lgsim, kernel, initrd, work, "tap", "2 packets received", "--tunnet=192.168.219.1")


def main():
    lgsim, work = sys.argv[1:3]
    kernel, initrd = os.environ.get("LGSIM_LINUX_44_1"), os.environ.get("LGSIM_LINUX_44_INITRD")
    if not kernel or not initrd:
        print("SKIPPED: set LGSIM_LINUX_44_1 and LGSIM_LINUX_44_INITRD")
        return SKIP
    probe = subprocess.run([lgsim, "--net=user"], capture_output=True, text=True)
    if "no user-mode networking" in probe.stderr:
        print("SKIPPED: this lgsim was built without libslirp")
        return SKIP
    os.makedirs(work, exist_ok=True)
    for part in (ping, wget, upload, hostfwd, replays, tap):
        start = time.time()
        part(lgsim, kernel, initrd, work)
        print("  (%s: %.1f s)" % (part.__name__, time.time() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
