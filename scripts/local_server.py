"""spark-server on loopback for the scripts that test a running server (replica_test.py,
contract_test.py, load_test.py): free ports, a fixture checkpoint with a widened context, a server
process started and waited for, its memory; and the clients' side: requests retried with backoff until
answered, and the tally of what they saw. The Swift tests start servers the same way
(Tests/TestSupport/ServerProcess.swift)."""

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests/Fixtures/models/qwen2-gqa-tied")
DEBUG_BINARY = os.path.join(ROOT, ".build/debug/spark-server")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, timeout=2):
    """(status, body) of GET path, or (None, b"") when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return None, b""
    finally:
        connection.close()


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not happen within {seconds} s")


def metric(port, name):
    """The value of an unlabelled series on /metrics."""
    _, body = get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise SystemExit(f"/metrics has no {name}")


def rss_megabytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def widened_fixture(directory):
    """A copy of the fixture checkpoint in `directory` with a 32k context: clients such as SPARK's
    ask for 4096 new tokens, more than the fixture's 2048."""
    copy = os.path.join(directory, "model")
    shutil.copytree(FIXTURE, copy)
    config_path = os.path.join(copy, "config.json")
    with open(config_path) as file:
        config = json.load(file)
    config["max_position_embeddings"] = 32768
    with open(config_path, "w") as file:
        json.dump(config, file)
    return copy


class LocalServer:
    """One spark-server on 127.0.0.1:port serving `model`, its standard error in `log_path`."""

    def __init__(self, binary, model, port, log_path, arguments=()):
        self.binary, self.model, self.port, self.arguments = binary, model, port, list(arguments)
        self.log = open(log_path, "ab")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--model", self.model, "--host", "127.0.0.1", "--port", str(self.port)] + self.arguments,
            stdout=subprocess.DEVNULL, stderr=self.log)
        wait_until(lambda: get(self.port, "/health")[0] == 200, 30, f"spark-server on port {self.port} being ready")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Tally:
    """What the clients saw, shared by their threads: requests sent and answered, every attempt, failed
    attempts by status (or by exception), and the latency of each answered request, retries included."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.answered = self.attempts = 0
        # The most attempts one request needed.
        self.most_attempts = 0
        self.failed_attempts = Counter()
        self.latencies = []

    def sending(self):
        """A new request is being sent."""
        with self.lock:
            self.sent += 1

    def attempted(self, number):
        """The `number`th attempt of one request is being made."""
        with self.lock:
            self.attempts += 1
            self.most_attempts = max(self.most_attempts, number)

    def failure(self, status):
        with self.lock:
            self.failed_attempts[status] += 1

    def answer(self, seconds):
        with self.lock:
            self.answered += 1
            self.latencies.append(seconds)

    def failures_text(self):
        return ", ".join(f"{status}: {count}" for status, count in self.failed_attempts.most_common()) or "none"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class RetryingClient:
    """A client as an RL trainer writes one: a request that fails (no connection, 5xx, 429) is sent again
    after an exponential backoff with jitter (at most 5 s), or after Retry-After when the server gives
    one, until it is answered or `give_up_seconds` have passed (then it is lost)."""

    def __init__(self, port, tally, seed, give_up_seconds=300):
        self.port, self.tally, self.give_up_seconds = port, tally, give_up_seconds
        self.random = random.Random(seed)
        self.connection = None

    def post(self, path, body, accept=lambda payload: True):
        """Sends until a 200 whose body `accept`s; returns whether it was answered."""
        self.tally.sending()
        started = time.monotonic()
        delay = 0.05
        attempts = 0
        while time.monotonic() - started < self.give_up_seconds:
            attempts += 1
            self.tally.attempted(attempts)
            retry_after = None
            try:
                self.connection = self.connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.connection.request("POST", path, body, {"Content-Type": "application/json"})
                response = self.connection.getresponse()
                payload = response.read()
                status, retry_after = response.status, response.getheader("Retry-After")
                if status == 200 and accept(payload):
                    self.tally.answer(time.monotonic() - started)
                    return True
            except (OSError, http.client.HTTPException, ValueError) as error:
                status = type(error).__name__
                if self.connection:
                    self.connection.close()
                self.connection = None
            self.tally.failure(status)
            time.sleep(min(float(retry_after) if retry_after else delay * (0.5 + self.random.random()), 5))
            delay *= 2
        return False


def verdict(script, problems, workdir, keep_logs=False):
    """Prints the script's verdict and returns its exit status; the work folder, with the logs, is kept
    when something failed (or when asked)."""
    if problems:
        print(f"{script}: FAILED: {'; '.join(problems)}; logs in {workdir}")
        return 1
    if keep_logs:
        print(f"{script}: logs in {workdir}")
    else:
        shutil.rmtree(workdir)
    print(f"{script}: passed")
    return 0
