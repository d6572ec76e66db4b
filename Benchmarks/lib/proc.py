#!/usr/bin/env python3
"""Reads a proxy's CPU time and memory from /proc.

A proxy is a process and its direct children (nginx: master plus workers;
proxyd: one process whose threads /proc/PID/stat already sums).

  proc.py cpu PID          CPU time (utime+stime) of PID and its children, in µs
  proc.py rss PID SECONDS  peak of the summed VmRSS over SECONDS, sampled every 0.2 s, in KiB;
                           the children are summed if there are any (nginx workers), else PID itself
"""
import os
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


def main():
    mode, pid = sys.argv[1], int(sys.argv[2])
    if not os.path.isdir(f"/proc/{pid}"):
        raise SystemExit(f"proc.py: no process {pid}")
    if mode == "cpu":
        print(cpu_us(pid))
    elif mode == "rss":
        print(peak_rss(pid, float(sys.argv[3])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
