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
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests/Fixtures/models/qwen2-gqa-tied")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_status(port, path, timeout=2):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"replica_test: {what} did not happen within {seconds} s")


def rss_megabytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Replica:
    def __init__(self, name, binary, port, workdir):
        self.name, self.binary, self.port = name, binary, port
        self.log = open(os.path.join(workdir, f"replica-{name}.log"), "ab")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--model", FIXTURE, "--host", "127.0.0.1", "--port", str(self.port),
             "--served-model-name", "spark", "--drain-seconds", "20"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        wait_until(lambda: get_status(self.port, "/health") == 200, 30, f"replica {self.name} becoming ready")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Tally:
    """What the clients saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.answered = self.attempts = 0
        self.failed_attempts = Counter()
        self.latencies = []

    def record(self, **changes):
        with self.lock:
            for key, value in changes.items():
                setattr(self, key, getattr(self, key) + value)


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
    """Sends one group after another; a request that fails is retried with exponential backoff (and
    Retry-After when given) until answered, as an RL trainer's reward client does."""
    rng = random.Random(seed)
    index = seed * 100_000
    connection = None
    while time.monotonic() < stop_at:
        index += 1
        body = group_body(index, group_size, max_tokens)
        tally.record(sent=1)
        started = time.monotonic()
        delay = 0.05
        for attempt in range(12):
            tally.record(attempts=1)
            status, retry_after = None, None
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("POST", "/v1/reward", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                status, retry_after = response.status, response.getheader("Retry-After")
                if status == 200 and len(json.loads(payload)["items"]) == group_size:
                    tally.record(answered=1)
                    with tally.lock:
                        tally.latencies.append(time.monotonic() - started)
                    break
            except (OSError, http.client.HTTPException, ValueError) as error:
                status = type(error).__name__
                if connection:
                    connection.close()
                connection = None
            tally.failed_attempts[status] += 1
            pause = float(retry_after) if retry_after else delay * (0.5 + rng.random())
            time.sleep(min(pause, 5))
            delay *= 2


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI's short run: 12 s, 8 clients")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--group-size", type=int, default=8, help="responses per GRPO group (default 8)")
    parser.add_argument("--max-tokens", type=int, default=48, help="tokens per verification (default 48)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/spark-server"))
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
    replicas = [Replica(name, options.binary, free_port(), workdir) for name in ("A", "B")]
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
        wait_until(lambda: get_status(nginx_port, "/health") == 200, 10, "nginx answering")

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
    failures = ", ".join(f"{status}: {count}" for status, count in tally.failed_attempts.most_common()) or "none"
    print(f"replica_test: {options.clients} clients, groups of {options.group_size}, {elapsed:.1f} s")
    print(f"  requests sent      {tally.sent}")
    print(f"  answered           {tally.answered} ({tally.answered / elapsed:.1f}/s, "
          f"{tally.answered * options.group_size / elapsed:.0f} responses scored/s)")
    print(f"  lost               {lost}")
    print(f"  client attempts    {tally.attempts}; failed attempts by status: {failures}")
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
    if problems:
        print(f"replica_test: FAILED: {'; '.join(problems)}; logs in {workdir}")
        return 1
    if options.keep_logs:
        print(f"replica_test: logs in {workdir}")
    else:
        shutil.rmtree(workdir)
    print("replica_test: passed: every request answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
