#!/usr/bin/env python3
"""The connection-setup case's rows (lib/setup.sh): stage times from proxyd's debug lines
"upstream HOST:PORT set up via ROUTE in ms: dns=0.12 tcp=0.05 [proxy=0.31] [tls=1.80 tls-resumed=no]".

  setup.py add ROWS --cache C --route R --requests N --statuses S --dns-queries Q --log FILE   append a JSON row
  setup.py table ROWS                                                                          print the table
"""
import argparse
import json
import math
import re
import sys

STAGES = ("dns", "tcp", "proxy", "tls")
LINE = re.compile(r" set up via (\S+) in ms: (.*)$")


def parse(path):
    """Per stage, the times of every connection that had it; and how many TLS sessions were resumed."""
    times = {stage: [] for stage in STAGES + ("total",)}
    resumed = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            match = LINE.search(line)
            if not match:
                continue
            fields = dict(pair.split("=", 1) for pair in match.group(2).split())
            total = 0.0
            for stage in STAGES:
                if stage in fields:
                    times[stage].append(float(fields[stage]))
                    total += float(fields[stage])
            times["total"].append(total)
            resumed += fields.get("tls-resumed") == "yes"
    return times, resumed


def percentile(values, fraction):
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def add(args):
    times, resumed = parse(args.log)
    row = {"cache": args.cache, "route": args.route, "requests": args.requests, "statuses": args.statuses,
           "connections": len(times["total"]), "resumed": resumed, "dns_queries": args.dns_queries, "stages": {}}
    for stage, values in times.items():
        if values:
            row["stages"][stage] = [percentile(values, 0.5), percentile(values, 0.9)]
    with open(args.rows, "a", encoding="utf-8") as rows:
        rows.write(json.dumps(row) + "\n")


def table(args):
    print("| DNS cache | route | new upstream conns | lookups at dnsmasq | dns p50 / p90 | tcp p50 / p90 "
          "| proxy handshake p50 / p90 | tls p50 / p90 | TLS resumed | total p50 / p90 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    clean = True
    with open(args.rows, encoding="utf-8") as rows:
        for line in rows:
            row = json.loads(line)
            cells = []
            for stage in STAGES + ("total",):
                pair = row["stages"].get(stage)
                cells.append(f"{pair[0]:.2f} / {pair[1]:.2f} ms" if pair else "–")
            # Every request must have been answered 200 on a connection of its own.
            ok = row["connections"] == row["requests"] and row["statuses"] == f"200:{row['requests']}"
            clean = clean and ok
            route = row["route"] + ("" if ok else f" ⚠ statuses {row['statuses']}")
            print(f"| {row['cache']} | {route} | {row['connections']}/{row['requests']} | {row['dns_queries']} | {' | '.join(cells[:4])} "
                  f"| {row['resumed']}/{row['connections']} | {cells[4]} |")
    return 0 if clean else 1


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    adding = commands.add_parser("add")
    adding.add_argument("rows")
    adding.add_argument("--cache", required=True)
    adding.add_argument("--route", required=True)
    adding.add_argument("--requests", type=int, required=True)
    adding.add_argument("--statuses", required=True)
    adding.add_argument("--dns-queries", type=int, required=True)
    adding.add_argument("--log", required=True)
    tabling = commands.add_parser("table")
    tabling.add_argument("rows")
    args = parser.parse_args()
    if args.command == "add":
        add(args)
        return 0
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
