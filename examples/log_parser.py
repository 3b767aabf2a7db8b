"""Access-log analysis, written the way a lot of real scripts are: correct, readable... and slow.

Run it:            python examples/log_parser.py
Check it:          hone check examples/
"""

from __future__ import annotations

import random
import re
import time

LOG_FORMAT = r'(?P<ip>\d+\.\d+\.\d+\.\d+) - - \[(?P<ts>[^\]]+)\] "(?P<method>\w+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) (?P<size>\d+)'

BLOCKED_IPS = ["10.0.0.13", "10.0.0.66", "192.168.7.7", "172.16.4.20"]


def parse_lines(lines):
    """Parse raw log lines into dicts; lines that do not match are dropped."""
    records = []
    for line in lines:
        pattern = re.compile(LOG_FORMAT)  # compiled again for every line
        match = pattern.match(line)
        if match:
            records.append(match.groupdict())
    return records


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


def total_bytes(records):
    total = 0
    for record in records:
        total += int(record["size"])
    return total


def has_server_errors(records):
    for record in records:
        if record["status"].startswith("5"):
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
    paths = ["/", "/login", "/api/items", "/api/items/42", "/static/app.js", "/admin"]
    statuses = ["200", "200", "200", "301", "404", "500"]
    lines = []
    for i in range(n):
        ip = f"10.0.{rng.randrange(4)}.{rng.randrange(100)}"
        ts = f"29/Nov/2026:10:{i // 60 % 60:02d}:{i % 60:02d} +0000"
        lines.append(
            f'{ip} - - [{ts}] "GET {rng.choice(paths)} HTTP/1.1" {rng.choice(statuses)} {rng.randrange(100, 5000)}'
        )
    return lines


def main(n=20_000):
    start = time.perf_counter()
    lines = make_log(n)
    records = parse_lines(lines)
    timings = [random.Random(i).random() for i in range(len(records))]
    per_ip = hits_per_ip(records)
    print(f"{len(records)} requests, {len(unique_visitors(records))} visitors")
    print(f"status codes seen: {sorted(set(status_codes(records)))}")
    print(f"busiest ip: {busiest_ip(per_ip)}; top path hits: {max(hits_per_path(records).values())}")
    print(f"blocked: {len(blocked_requests(records))}; bytes: {total_bytes(records)}")
    print(f"server errors: {has_server_errors(records)}; all ok: {all_successful(records)}")
    print(f"slow pages: {len(slowest_pages(records, timings))}; paths: {distinct_paths(records)}")
    print(f"error report: {len(error_summary(records).splitlines())} lines")
    print(f"took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
