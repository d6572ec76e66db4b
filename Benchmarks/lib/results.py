#!/usr/bin/env python3
"""Turns wrk output and /proc measurements into rows, and rows into one Markdown table.

  results.py add ROWS --case C --proxy P --wrk FILE --cpu-us N --rss-kib N [--note TEXT]
  results.py table ROWS
"""
import argparse
import json
import re
import sys

TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def latency_ms(text, percentile):
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    return float(match.group(1)) * TIME_UNITS[match.group(2)] if match else None


def parse_wrk(text):
    requests = re.search(r"^\s*(\d+) requests in ", text, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests": int(requests.group(1)) if requests else 0,
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50_ms": latency_ms(text, 50),
        "p99_ms": latency_ms(text, 99),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(g) for g in sockets.groups()) if sockets else 0,
    }


def add(args):
    with open(args.wrk) as f:
        row = parse_wrk(f.read())
    row.update(case=args.case, proxy=args.proxy, note=args.note, rss_kib=args.rss_kib,
               cpu_us_per_req=args.cpu_us / row["requests"] if row["requests"] else None)
    with open(args.rows, "a") as f:
        f.write(json.dumps(row) + "\n")


def warnings(row):
    found = [row["note"]] if row["note"] else []
    if row["requests"] == 0:
        found.append("no completed requests")
    if row["non2xx"]:
        found.append(f"{row['non2xx']} non-2xx")
    if row["socket_errors"]:
        found.append(f"{row['socket_errors']} socket errors")
    return found


def fmt_ms(value):
    if value is None:
        return "–"
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.2f} ms"


def table(args):
    with open(args.rows) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    out = ["| case | proxy | req/s | p50 | p99 | CPU µs/req | peak RSS MB |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        proxy = r["proxy"] + "".join(f" ⚠ {w}" for w in warnings(r))
        cpu = f"{r['cpu_us_per_req']:.1f}" if r["cpu_us_per_req"] is not None else "–"
        out.append(f"| {r['case']} | {proxy} | {r['rps']:.0f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} "
                   f"| {cpu} | {r['rss_kib'] / 1024:.1f} |")
    print("\n".join(out))
    return 1 if any(warnings(r) for r in rows) else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add")
    a.add_argument("rows")
    a.add_argument("--case", required=True)
    a.add_argument("--proxy", required=True)
    a.add_argument("--wrk", required=True)
    a.add_argument("--cpu-us", type=int, required=True)
    a.add_argument("--rss-kib", type=int, required=True)
    a.add_argument("--note", default="")
    t = sub.add_parser("table")
    t.add_argument("rows")
    args = parser.parse_args()
    sys.exit(add(args) if args.command == "add" else table(args))


if __name__ == "__main__":
    main()
