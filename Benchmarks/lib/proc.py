#!/usr/bin/env python3
"""Reads a proxy's CPU time and memory from /proc.

A proxy is a process and its direct children (nginx: master plus workers;
proxyd: one process whose threads /proc/PID/stat already sums).

  proc.py cpu PID          CPU time (utime+stime) of PID and its children, in µs
  proc.py rss PID SECONDS  peak of the summed VmRSS over SECONDS, sampled every 0.2 s, in KiB;
                           the children are summed if there are any (nginx workers), else PID itself
  proc.py watch PID PORT   until SIGTERM: VmRSS as above every 0.1 s, and every second the ESTABLISHED
                           TCP connections the proxy's processes hold to remote port PORT (by ss); then
                           prints JSON with the peaks, the first and last connection counts, and how
                           many connections full accept queues dropped on the machine meanwhile
"""
import json
import os
import signal
import subprocess
import sys
import time

TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name may hold spaces and parentheses; the fields after its closing one are fixed.
    return text[text.rindex(")") + 2:].split()


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(stat_fields(entry)[1]) == pid:
                found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue  # exited while scanning
    return found


def cpu_us(pid):
    total = 0
    for p in [pid] + children(pid):
        try:
            fields = stat_fields(p)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return round(total * TICK_US)


def rss_kib(pid):
    total = 0
    for p in children(pid) or [pid]:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def peak_rss(pid, seconds):
    peak = 0
    deadline = time.monotonic() + seconds
    while True:
        peak = max(peak, rss_kib(pid))
        if time.monotonic() >= deadline:
            return peak
        time.sleep(0.2)


def socket_inodes(pids):
    inodes = set()
    for p in pids:
        try:
            entries = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for entry in entries:
            try:
                target = os.readlink(f"/proc/{p}/fd/{entry}")  # socket:[INODE]
            except OSError:
                continue  # closed while scanning
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def upstream_connections(pid, port):
    """ESTABLISHED TCP sockets of PID and its children whose remote port is PORT."""
    inodes = socket_inodes([pid] + children(pid))
    # ss filters in the kernel (sock_diag); reading /proc/net/tcp walks every socket of the machine.
    listing = subprocess.run(["ss", "-tnHe", "state", "established", "dport", "=", f":{port}"],
                             capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listing.splitlines()
               for field in line.split() if field.startswith("ino:") and field[4:] in inodes)


def listen_overflows():
    """The machine's count of connections a full accept queue dropped (TcpExt ListenOverflows)."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split()))["ListenOverflows"])
    return 0


class Stop(Exception):
    pass


def watch(pid, port):
    def stop(*_):
        raise Stop
    signal.signal(signal.SIGTERM, stop)
    peak_rss = peak_conns = 0
    conns = []
    tick = 0
    overflows = listen_overflows()
    try:
        while True:
            peak_rss = max(peak_rss, rss_kib(pid))
            # Counting connections reads a link per descriptor of the proxy (0.1 s for 8,000), too
            # much for every RSS sample with thousands of streams.
            if tick % 10 == 0:
                conns.append(upstream_connections(pid, port))
                peak_conns = max(peak_conns, conns[-1])
            tick += 1
            time.sleep(0.1)
    except Stop:
        pass
    print(json.dumps({"peak_rss_kib": peak_rss, "peak_upstream_conns": peak_conns,
                      "first_upstream_conns": conns[0] if conns else None,
                      "last_upstream_conns": conns[-1] if conns else None,
                      "listen_overflows": listen_overflows() - overflows}))


def main():
    mode, pid = sys.argv[1], int(sys.argv[2])
    if not os.path.isdir(f"/proc/{pid}"):
        raise SystemExit(f"proc.py: no process {pid}")
    if mode == "cpu":
        print(cpu_us(pid))
    elif mode == "rss":
        print(peak_rss(pid, float(sys.argv[3])))
    elif mode == "watch":
        watch(pid, int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
