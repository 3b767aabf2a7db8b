"""Access-log analysis, written the way a lot of real scripts are: correct, readable... and slow.

Run it:            python examples/log_parser.py
Check it:          hone check examples/
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import time

BLOCKED_IPS = ["10.0.0.13", "10.0.0.66", "192.168.7.7", "172.16.4.20"]


def read_log(path):
    lines = []
    with open(path) as f:
        for line in f.readlines():
            lines.append(line.rstrip("\n"))
    return lines


def parse_lines(lines):
    """Parse raw log lines into dicts; lines that do not match are dropped."""
    records = []
    for line in lines:
        match = re.match(
            r'(?P<ip>\d+\.\d+\.\d+\.\d+) - - \[(?P<ts>[^\]]+)\] "(?P<method>\w+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) (?P<size>\d+)',
            line,
        )
        if match:
            records.append(match.groupdict())
    return records


def is_static(record):
    path = record["path"]
    return path.startswith("/static/") or path.startswith("/favicon")


def is_write(record):
    method = record["method"]
    return method == "POST" or method == "PUT" or method == "DELETE"


def day_of(record):
    return re.sub("/", "-", record["ts"].split(":")[0])


def status_codes(records):
    codes = []
    for record in records:
        codes.append(int(record["status"]))
    return codes


def hits_per_ip(records):
    counts = {}
    for record in records:
        ip = record["ip"]
        if ip in counts:
            counts[ip] += 1
        else:
            counts[ip] = 1
    return counts


def hits_per_day(days):
    counts = {}
    for day in days:
        counts[day] = counts.get(day, 0) + 1
    return counts


def hits_per_path(records):
    counts = {}
    for record in records:
        counts[record["path"]] = counts.get(record["path"], 0) + 1
    return counts


def unique_visitors(records):
    seen = []
    for record in records:
        if record["ip"] not in seen:
            seen.append(record["ip"])
    return seen


def blocked_requests(records):
    blocked = []
    for record in records:
        if record["ip"] in BLOCKED_IPS:
            blocked.append(record)
    return blocked


def total_bytes(sizes):
    total = 0
    for size in sizes:
        total += int(size)
    return total


def has_server_errors(codes):
    for code in codes:
        if code == 500:
            return True
    return False


def all_successful(records):
    for record in records:
        if not record["status"].startswith("2"):
            return False
    return True


def slowest_pages(records, timings):
    worst = []
    for i in range(len(records)):
        if timings[i] > 0.5:
            worst.append(records[i]["path"])
    return worst


def busiest_ip(counts):
    return sorted(counts, key=counts.get)[-1]


def error_summary(records):
    summary = ""
    for record in records:
        if record["status"] >= "400":
            summary += record["ts"] + " " + record["status"] + " " + record["path"] + "\n"
    return summary


def distinct_paths(records):
    return len(list(set(r["path"] for r in records)))


def make_log(n, seed=7):
    """A synthetic access log (deterministic for a given seed)."""
    rng = random.Random(seed)
    paths = ["/", "/login", "/api/items", "/api/items/42", "/static/app.js", "/favicon.ico"]
    methods = ["GET", "GET", "GET", "GET", "POST", "PUT", "DELETE"]
    statuses = ["200", "200", "200", "301", "404", "500"]
    lines = []
    for i in range(n):
        ip = f"10.0.{rng.randrange(4)}.{rng.randrange(100)}"
        ts = f"29/Nov/2026:10:{i // 60 % 60:02d}:{i % 60:02d} +0000"
        lines.append(
            f'{ip} - - [{ts}] "{rng.choice(methods)} {rng.choice(paths)} HTTP/1.1" {rng.choice(statuses)} {rng.randrange(100, 5000)}'
        )
    return lines


def main(n=20_000):
    start = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write("\n".join(make_log(n)) + "\n")
    try:
        lines = read_log(f.name)
    finally:
        os.unlink(f.name)
    records = parse_lines(lines)
    codes = status_codes(records)
    timings = [random.Random(i).random() for i in range(len(records))]
    per_ip = hits_per_ip(records)
    print(f"{len(records)} requests, {len(unique_visitors(records))} visitors")
    print(f"status codes seen: {sorted(set(codes))}")
    print(f"busiest ip: {busiest_ip(per_ip)}; top path hits: {max(hits_per_path(records).values())}")
    print(f"blocked: {len(blocked_requests(records))}; bytes: {total_bytes(r['size'] for r in records)}")
    print(f"server errors: {has_server_errors(codes)}; all ok: {all_successful(records)}")
    static = sum(1 for r in records if is_static(r))
    writes = sum(1 for r in records if is_write(r))
    days = hits_per_day(day_of(r) for r in records)
    print(f"static: {static}; writes: {writes}; days: {len(days)}")
    print(f"slow pages: {len(slowest_pages(records, timings))}; paths: {distinct_paths(records)}")
    print(f"error report: {len(error_summary(records).splitlines())} lines")
    print(f"took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
