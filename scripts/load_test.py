#!/usr/bin/env python3
"""Load and faults on one spark-server on loopback.

256 clients (by default) send a mix of GRPO reward groups, completions and tokenizations for a bounded
time, retrying what fails with backoff (and Retry-After: the queue is kept short, --max-waiting 256,
so it fills and answers 429). Beside them, faulty clients: some send a long completion and hang up
(the server must cancel it and free its KV blocks), some trickle their body a few bytes at a time
(they must be answered: 200, or 429 when the queue is full), and one keeps sending bodies over the limit, declared and chunked (413).
Then SIGTERM with requests in flight: each must be answered, and the server must exit 0.

Prints requests sent and answered, errors by status, lost (must be 0), p50/p99 latency, RSS at start,
after the warm-up and at the end (must not grow once the KV cache has been used: it is kept small,
--kv-cache-mb 16, so that the warm-up touches all of it) and KV blocks in use after the load (must be
0). Exits 1 if any of these fails.

    python3 scripts/load_test.py --quick      # CI: 15 s
    python3 scripts/load_test.py --seconds 120 --clients 256
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter

from local_server import (DEBUG_BINARY, FIXTURE, LocalServer, RetryingClient, Tally, free_port, metric, percentile,
                          rss_megabytes, verdict, wait_until)

MAX_BODY_MB = 1
# RSS may move by allocator noise once warm; more than this is growth.
RSS_GROWTH_ALLOWED = 0.15


def reward_group(rng, size):
    a, b = rng.randint(2, 90), rng.randint(2, 90)
    responses = [f"<step>{a} + {b} = {a + b + k}.</step><answer>\\boxed{{{a + b + k}}}</answer>" for k in range(size)]
    return json.dumps({"groups": [{"problem": f"What is {a} + {b}?", "responses": responses}], "max_tokens": 16})


def well_behaved(port, tally, stop_at, seed):
    """Mostly reward groups, as an RL trainer sends them, some completions and tokenizations."""
    rng = random.Random(seed)
    client = RetryingClient(port, tally, seed)
    while time.monotonic() < stop_at:
        kind = rng.random()
        if kind < 0.7:
            client.post("/v1/reward", reward_group(rng, 4), accept=lambda payload: len(json.loads(payload)["items"]) == 4)
        elif kind < 0.9:
            client.post("/v1/completions", json.dumps({"prompt": f"Step {rng.randint(1, 99)}:", "max_tokens": 16}))
        else:
            client.post("/tokenize", json.dumps({"prompt": "What is 12 + 7?" * rng.randint(1, 50)}))


def raw_exchange(port, head, pieces, pause_seconds=0.0):
    """Sends `head` and the body in `pieces` (pausing between them); returns the response's status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(head.encode())
        for piece in pieces:
            connection.sendall(piece)
            time.sleep(pause_seconds)
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n")[0].decode(errors="replace")


def faulty(port, stop_at, kind, outcomes, seed):
    """Clients that misbehave in one way, `kind`, until the end; what each got goes into `outcomes`."""
    rng = random.Random(seed)
    while time.monotonic() < stop_at:
        if kind == "disconnect":
            body = json.dumps({"prompt": f"Story {rng.randint(1, 999)}:", "max_tokens": 3000, "ignore_eos": True})
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(f"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
                time.sleep(rng.uniform(0.05, 0.5))
            outcomes["disconnected mid-request"] += 1
        elif kind == "trickle":
            body = reward_group(rng, 2).encode()
            pieces = [body[index:index + 16] for index in range(0, len(body), 16)]
            status = raw_exchange(port, f"POST /v1/reward HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n", pieces, 0.05)
            outcomes[f"trickled body: {status[9:12] or 'no answer'}"] += 1
        else:
            too_large = (MAX_BODY_MB << 20) + 1
            status = raw_exchange(port, f"POST /v1/reward HTTP/1.1\r\nHost: x\r\nContent-Length: {too_large}\r\n\r\n", [])
            outcomes[f"oversized, declared: {status[9:12] or 'no answer'}"] += 1
            chunk = b"x" * 65536
            pieces = [b"10000\r\n" + chunk + b"\r\n"] * (MAX_BODY_MB * 16 + 1) + [b"0\r\n\r\n"]
            status = raw_exchange(port, "POST /v1/reward HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", pieces)
            outcomes[f"oversized, chunked: {status[9:12] or 'no answer'}"] += 1
            time.sleep(0.2)


def sigterm_with_requests_in_flight(server, count):
    """Starts `count` completions, sends SIGTERM while they run or wait, and returns their statuses
    and the server's exit status."""
    statuses = Counter()
    lock = threading.Lock()

    def one(index):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request("POST", "/v1/completions",
                               json.dumps({"prompt": [index + 1, 5], "max_tokens": 200, "ignore_eos": True}),
                               {"Content-Type": "application/json"})
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    wait_until(lambda: metric(server.port, "spark_requests_running") + metric(server.port, "spark_requests_waiting")
               >= count, 20, f"{count} requests in flight")
    server.process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join()
    return statuses, server.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI's short run: 15 s")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load (default 60)")
    parser.add_argument("--clients", type=int, default=256, help="well-behaved concurrent clients (default 256)")
    parser.add_argument("--binary", default=DEBUG_BINARY)
    options = parser.parse_args()
    if options.quick:
        options.seconds = 15

    workdir = tempfile.mkdtemp(prefix="spark-load-")
    # No retry store: it keeps answers for a minute by design (bounded by --retry-store-mb), which would
    # hide or mimic a leak in the RSS figures this test watches.
    server = LocalServer(options.binary, FIXTURE, free_port(), os.path.join(workdir, "server.log"),
                         ["--quiet", "--kv-cache-mb", "16", "--max-waiting", "256", "--max-body-mb", str(MAX_BODY_MB),
                          "--drain-seconds", "30", "--retry-window", "0"])
    try:
        server.start()
        rss_idle = rss_megabytes(server.process.pid)
        tally, outcomes = Tally(), Counter()
        started = time.monotonic()
        stop_at = started + options.seconds
        threads = [threading.Thread(target=well_behaved, args=(server.port, tally, stop_at, seed))
                   for seed in range(options.clients)]
        threads += [threading.Thread(target=faulty, args=(server.port, stop_at, kind, outcomes, 10_000 + index))
                    for index, kind in enumerate(["disconnect"] * 4 + ["trickle"] * 2 + ["oversized"])]
        for thread in threads:
            thread.start()
        time.sleep(options.seconds / 3)
        rss_warm = rss_megabytes(server.process.pid)
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        wait_until(lambda: metric(server.port, "spark_requests_running") + metric(server.port, "spark_requests_waiting")
                   == 0, 30, "the queue emptying")
        kv_blocks_after = metric(server.port, "spark_kv_blocks_in_use")
        rss_end = rss_megabytes(server.process.pid)
        sigterm_statuses, exit_status = sigterm_with_requests_in_flight(server, 32)
    finally:
        server.stop()

    lost = tally.sent - tally.answered
    growth = (rss_end - rss_warm) / rss_warm
    print(f"load_test: {options.clients} clients and 7 faulty ones, {elapsed:.1f} s")
    print(f"  requests sent      {tally.sent}")
    print(f"  answered           {tally.answered} ({tally.answered / elapsed:.1f}/s)")
    print(f"  lost               {lost}")
    print(f"  client attempts    {tally.attempts}; failed attempts by status: {tally.failures_text()}; "
          f"at most {tally.most_attempts} for one request")
    print(f"  latency            p50 {percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(tally.latencies, 0.99) * 1000:.0f} ms (retries included)")
    print(f"  faults             {', '.join(f'{name}: {count}' for name, count in sorted(outcomes.items()))}")
    print(f"  RSS                {rss_idle:.0f} MB idle, {rss_warm:.0f} MB after the warm-up, {rss_end:.0f} MB "
          f"at the end ({growth:+.0%})")
    print(f"  KV blocks in use   {kv_blocks_after:.0f} after the load")
    print(f"  SIGTERM            32 requests in flight: {dict(sigterm_statuses)}; exit status {exit_status}")
    problems = []
    if lost:
        problems.append(f"{lost} requests were never answered")
    expected = {"disconnected": ("",), "trickled": (": 200", ": 429"), "oversized": (": 413",)}
    unexpected = {name: count for name, count in outcomes.items()
                  if not name.endswith(expected[name.split()[0].rstrip(",")])}
    if unexpected:
        problems.append(f"faulty clients got unexpected answers: {unexpected}")
    if kv_blocks_after:
        problems.append(f"{kv_blocks_after:.0f} KV blocks still in use after the load")
    if growth > RSS_GROWTH_ALLOWED:
        problems.append(f"RSS grew by {growth:.0%} after the warm-up")
    if sigterm_statuses != Counter({200: 32}) or exit_status != 0:
        problems.append("SIGTERM did not answer every request in flight and exit 0")
    return verdict("load_test", problems, workdir)


if __name__ == "__main__":
    sys.exit(main())
