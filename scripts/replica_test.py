#!/usr/bin/env python3
"""Two spark-server replicas behind nginx on loopback, under a GRPO-shaped load, losing a replica.

Starts two replicas of the fixture checkpoint and nginx with docker/nginx.conf (filled in by envsubst,
as docker/compose.yaml does), then runs clients that each send POST /v1/reward with one GRPO group
(a problem and --group-size responses) after another. A third of the way in, replica A is killed
(SIGKILL: a crash, with requests in flight) and started again; two thirds in, replica B gets SIGTERM
(a rolling update: it drains and exits 0). nginx moves failed requests to the other replica
(proxy_next_upstream ... non_idempotent); the clients retry what still fails, with exponential
backoff. Prints the figures and fails unless every request was answered (lost = 0), nginx moved at
least one request off the crashed replica, and the drained replica exited 0.

    python3 scripts/replica_test.py --quick      # CI: about 20 s
    python3 scripts/replica_test.py --seconds 120 --clients 32
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from local_server import (DEBUG_BINARY, FIXTURE, ROOT, LocalServer, RetryingClient, Tally, free_port, get,
                          percentile, rss_megabytes, verdict, wait_until)


def group_body(index, group_size, max_tokens):
    a, b = 3 + index % 40, 7 + index % 29
    problem = f"Ali has {a} apples and buys {b} more. How many apples does he have now?"
    responses = [
        f"<step>Ali starts with {a} apples.</step><step>He buys {b}, so {a} + {b} = {a + b + (k % 3) - 1}.</step>"
        f"<answer>\\boxed{{{a + b + (k % 3) - 1}}}</answer>"
        for k in range(group_size)
    ]
    return json.dumps({"groups": [{"id": f"g{index}", "problem": problem, "responses": responses}],
                       "max_tokens": max_tokens})


def client(port, tally, stop_at, group_size, max_tokens, seed):
    """Sends one group after another, each until it is answered."""
    reward_client = RetryingClient(port, tally, seed)
    index = seed * 100_000
    while time.monotonic() < stop_at:
        index += 1
        reward_client.post("/v1/reward", group_body(index, group_size, max_tokens),
                           accept=lambda payload: len(json.loads(payload)["items"]) == group_size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI's short run: 12 s, 8 clients")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--group-size", type=int, default=8, help="responses per GRPO group (default 8)")
    parser.add_argument("--max-tokens", type=int, default=48, help="tokens per verification (default 48)")
    parser.add_argument("--binary", default=DEBUG_BINARY)
    parser.add_argument("--keep-logs", action="store_true", help="keep nginx's and the replicas' logs")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.clients = 12, 8
    for tool in ("nginx", "envsubst"):
        if not shutil.which(tool):
            raise SystemExit(f"replica_test: {tool} is not installed (apt-get install nginx gettext-base)")
    if not os.access(options.binary, os.X_OK):
        raise SystemExit(f"replica_test: {options.binary} is not built (swift build)")

    workdir = tempfile.mkdtemp(prefix="spark-replicas-")
    replicas = [
        LocalServer(options.binary, FIXTURE, free_port(), os.path.join(workdir, f"replica-{name}.log"),
                    ["--served-model-name", "spark", "--drain-seconds", "20"])
        for name in ("A", "B")]
    nginx_port = free_port()
    nginx = None
    try:
        for replica in replicas:
            replica.start()
        rss_start = [rss_megabytes(replica.process.pid) for replica in replicas]

        variables = {"SPARK_REPLICA_1": f"127.0.0.1:{replicas[0].port}",
                     "SPARK_REPLICA_2": f"127.0.0.1:{replicas[1].port}", "NGINX_LISTEN": f"127.0.0.1:{nginx_port}"}
        with open(os.path.join(ROOT, "docker/nginx.conf")) as template:
            rendered = subprocess.run(["envsubst", " ".join(f"${{{name}}}" for name in variables)], input=template.read(),
                                      capture_output=True, text=True, check=True, env={**os.environ, **variables}).stdout
        configuration = os.path.join(workdir, "nginx.conf")
        with open(configuration, "w") as file:
            file.write(rendered)
        access_log = os.path.join(workdir, "nginx-access.log")
        nginx = subprocess.Popen(
            ["nginx", "-p", workdir, "-c", configuration, "-g",
             f"daemon off; pid {workdir}/nginx.pid; error_log {workdir}/nginx-error.log;"],
            stdout=open(access_log, "wb"), stderr=subprocess.STDOUT)
        wait_until(lambda: get(nginx_port, "/health")[0] == 200, 10, "nginx answering")

        tally = Tally()
        started = time.monotonic()
        stop_at = started + options.seconds
        threads = [threading.Thread(target=client, args=(nginx_port, tally, stop_at, options.group_size,
                                                          options.max_tokens, seed + 1))
                   for seed in range(options.clients)]
        for thread in threads:
            thread.start()

        time.sleep(options.seconds / 3)
        rss_loaded = rss_megabytes(replicas[0].process.pid)
        replicas[0].process.kill()
        replicas[0].process.wait()
        print(f"replica_test: {time.monotonic() - started:.1f} s: killed replica A (SIGKILL)", flush=True)
        replicas[0].start()
        print(f"replica_test: {time.monotonic() - started:.1f} s: replica A is back", flush=True)

        time.sleep(max(0.0, started + 2 * options.seconds / 3 - time.monotonic()))
        replicas[1].process.send_signal(signal.SIGTERM)
        print(f"replica_test: {time.monotonic() - started:.1f} s: SIGTERM to replica B (drain)", flush=True)
        drained_status = replicas[1].process.wait(timeout=60)

        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss_end = rss_megabytes(replicas[0].process.pid)
    finally:
        if nginx and nginx.poll() is None:
            nginx.terminate()
            nginx.wait()
        for replica in replicas:
            replica.stop()

    with open(access_log) as log:
        upstreams = [line.split("upstream=")[1].split(" upstream_status=")[0] for line in log if "upstream=" in line]
    moved = sum(1 for upstream in upstreams if "," in upstream)
    lost = tally.sent - tally.answered
    print(f"replica_test: {options.clients} clients, groups of {options.group_size}, {elapsed:.1f} s")
    print(f"  requests sent      {tally.sent}")
    print(f"  answered           {tally.answered} ({tally.answered / elapsed:.1f}/s, "
          f"{tally.answered * options.group_size / elapsed:.0f} responses scored/s)")
    print(f"  lost               {lost}")
    print(f"  client attempts    {tally.attempts}; failed attempts by status: {tally.failures_text()}; "
          f"at most {tally.most_attempts} for one request")
    print(f"  moved by nginx     {moved} requests answered by the other replica after the first failed")
    print(f"  latency            p50 {percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(tally.latencies, 0.99) * 1000:.0f} ms (retries included)")
    print(f"  replica RSS        {rss_start[0]:.0f} MB at start, {rss_loaded:.0f} MB under load (A); "
          f"{rss_end:.0f} MB at the end (A, restarted)")
    print(f"  drained replica    exit status {drained_status}")
    problems = []
    if lost:
        problems.append(f"{lost} requests were never answered")
    if not moved:
        problems.append("nginx moved no request off a failed replica")
    if drained_status != 0:
        problems.append(f"replica B exited {drained_status} after SIGTERM")
    return verdict("replica_test", problems, workdir, options.keep_logs)

if __name__ == "__main__":
    sys.exit(main())
