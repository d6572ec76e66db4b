#!/usr/bin/env python3
"""Turns wrk output and /proc measurements into rows, and rows into Markdown tables.

  results.py add ROWS --case C --proxy P --upstream U --wrk FILE --cpu-us N --rss-kib N [--note TEXT]
  results.py table ROWS
  results.py streams-add ROWS --proxy P --upstream U --client FILE --watch FILE --cpu-us N --upstream-cpu-us N
                         --idle-rss-kib N --workers N [--note TEXT]
  results.py streams-table ROWS   (the slow-streams case, with the targets of issue 3)
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
    row.update(case=args.case, proxy=args.proxy, upstream=args.upstream, note=args.note, rss_kib=args.rss_kib,
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
    out = ["| case | proxy | upstream | req/s | p50 | p99 | CPU µs/req | peak RSS MB |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        proxy = r["proxy"] + "".join(f" ⚠ {w}" for w in warnings(r))
        cpu = f"{r['cpu_us_per_req']:.1f}" if r["cpu_us_per_req"] is not None else "–"
        out.append(f"| {r['case']} | {proxy} | {r['upstream']} | {r['rps']:.0f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} "
                   f"| {cpu} | {r['rss_kib'] / 1024:.1f} |")
    print("\n".join(out))
    return 1 if any(warnings(r) for r in rows) else 0


# Issue 3's targets for the slow-streams case.
TARGET_KIB_PER_STREAM = 16
TARGET_CONNS_PER_WORKER = 4
# The proxies the targets compare against, not meant to meet them.
REFERENCE_PROXIES = ("nginx", "HAProxy")


def streams_add(args):
    with open(args.client) as f:
        client = json.load(f)
    with open(args.watch) as f:
        watched = json.load(f)
    row = dict(client, **watched, proxy=args.proxy, upstream=args.upstream, note=args.note, workers=args.workers,
               idle_rss_kib=args.idle_rss_kib, cpu_us=args.cpu_us, upstream_cpu_us=args.upstream_cpu_us)
    with open(args.rows, "a") as f:
        f.write(json.dumps(row) + "\n")


def stream_warnings(row):
    found = [row["note"]] if row["note"] else []
    found += [f"{n} × {kind}" for kind, n in row["failures"].items()]
    if row["completed"] < row["streams"] and not row["failures"]:
        found.append(f"{row['streams'] - row['completed']} not completed")
    return found


def mark(ok):
    return "✓" if ok else "✗"


def streams_table(args):
    with open(args.rows) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in rows:
        r["cpu_per_stream"] = r["cpu_us"] / r["completed"] if r["completed"] else None
        r["upstream_cpu_per_stream"] = r["upstream_cpu_us"] / r["completed"] if r["completed"] else None
        r["above_idle_kib"] = max(0, r["peak_rss_kib"] - r["idle_rss_kib"])
        r["kib_per_stream"] = r["above_idle_kib"] / r["peak_concurrent"] if r["peak_concurrent"] else None
        r["conns_per_worker"] = r["peak_upstream_conns"] / r["workers"]
    nginx_cpu = next((r["cpu_per_stream"] for r in rows if r["proxy"] == "nginx"), None)
    out = ["| proxy | upstream | streams done | at once | head p50 / stream p50 / max | CPU µs/stream | upstream's CPU µs/stream | idle RSS MB "
           "| peak RSS MB | above idle MB | KB/stream | upstream conns peak (per worker) | after | listen drops | targets |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        proxy = r["proxy"] + "".join(f" ⚠ {w}" for w in stream_warnings(r))
        cpu = f"{r['cpu_per_stream']:.0f}" if r["cpu_per_stream"] is not None else "–"
        upstream_cpu = f"{r['upstream_cpu_per_stream']:.0f}" if r["upstream_cpu_per_stream"] is not None else "–"
        per_stream = f"{r['kib_per_stream']:.1f}" if r["kib_per_stream"] is not None else "–"
        span = (f"{r['head_p50_s']:.2f} / {r['duration_p50_s']:.2f} / {r['duration_max_s']:.2f} s"
                if r["duration_p50_s"] is not None else "–")
        checks = []
        if r["proxy"] not in REFERENCE_PROXIES:
            checks.append("RSS " + mark(r["kib_per_stream"] is not None
                                        and r["kib_per_stream"] <= TARGET_KIB_PER_STREAM))
            checks.append("conns " + mark(r["conns_per_worker"] <= TARGET_CONNS_PER_WORKER))
            if nginx_cpu is not None and r["cpu_per_stream"] is not None:
                checks.append("CPU " + mark(r["cpu_per_stream"] <= nginx_cpu))
        out.append(f"| {proxy} | {r['upstream']} | {r['completed']}/{r['streams']} | {r['peak_concurrent']} "
                   f"| {span} | {cpu} | {upstream_cpu} | {r['idle_rss_kib'] / 1024:.1f} | {r['peak_rss_kib'] / 1024:.1f} "
                   f"| {r['above_idle_kib'] / 1024:.1f} | {per_stream} "
                   f"| {r['peak_upstream_conns']} ({r['conns_per_worker']:g}) | {r['last_upstream_conns']} "
                   f"| {r['listen_overflows']} | {' '.join(checks)} |")
    streams = max((r["streams"] for r in rows), default=0)
    out += ["", f"Targets (issue 3): ≤ {TARGET_KIB_PER_STREAM} KB RSS per active stream "
                f"({TARGET_KIB_PER_STREAM} KB × {streams:,} = {TARGET_KIB_PER_STREAM * streams / 1024:.1f} MB above idle); "
                f"≤ {TARGET_CONNS_PER_WORKER} upstream connections per worker; CPU per stream ≤ nginx's "
                f"({'%.0f µs in this run' % nginx_cpu if nginx_cpu is not None else 'not measured in this run'}; "
                f"212 µs in the issue's measurement, the Go original 1.17 ms)."]
    print("\n".join(out))
    return 1 if any(stream_warnings(r) for r in rows) else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("add")
    a.add_argument("rows")
    a.add_argument("--case", required=True)
    a.add_argument("--proxy", required=True)
    a.add_argument("--upstream", required=True)
    a.add_argument("--wrk", required=True)
    a.add_argument("--cpu-us", type=int, required=True)
    a.add_argument("--rss-kib", type=int, required=True)
    a.add_argument("--note", default="")
    t = sub.add_parser("table")
    t.add_argument("rows")
    sa = sub.add_parser("streams-add")
    sa.add_argument("rows")
    for name in ("--proxy", "--upstream", "--client", "--watch"):
        sa.add_argument(name, required=True)
    for name in ("--cpu-us", "--upstream-cpu-us", "--idle-rss-kib", "--workers"):
        sa.add_argument(name, type=int, required=True)
    sa.add_argument("--note", default="")
    st = sub.add_parser("streams-table")
    st.add_argument("rows")
    args = parser.parse_args()
    commands = {"add": add, "table": table, "streams-add": streams_add, "streams-table": streams_table}
    sys.exit(commands[args.command](args))


if __name__ == "__main__":
    main()
