#!/usr/bin/env python3
"""schemathesis against api/openapi.yaml and a running spark-server: no 5xx, every status, header and
body as the spec declares, authentication enforced, wrong methods answered 405 with Allow.

Starts a server on a copy of the fixture checkpoint (context widened to 32k), with an API key and a
2 s request timeout (so that generated requests asking for thousands of tokens end at their deadline,
which the spec declares), and lets schemathesis generate requests for every operation. Afterwards the
server must still be healthy and every KV block it handed out must be back.

Two of schemathesis's checks are left out: positive_data_acceptance and negative_data_rejection expect
every schema-valid request to succeed and every invalid one to fail, while the server refuses valid-
looking requests the schema cannot describe (a token id beyond the vocabulary, a prompt plus max_tokens
beyond the context, exactly one of two fields) and accepts a null where a field may be left out, as
OpenAI-compatible servers do. Run them with --all-checks to see those cases.

    python3 scripts/contract_test.py --quick     # CI: 15 examples per operation, fixed seed
    python3 scripts/contract_test.py --examples 200
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from local_server import DEBUG_BINARY, ROOT, LocalServer, free_port, get, metric, verdict, wait_until, widened_fixture

LEFT_OUT = "positive_data_acceptance,negative_data_rejection"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI's short run: 15 examples per operation, seed 1")
    parser.add_argument("--examples", type=int, default=100, help="examples per operation (default 100)")
    parser.add_argument("--seed", type=int, help="schemathesis's seed (default: a new one)")
    parser.add_argument("--all-checks", action="store_true", help=f"also run {LEFT_OUT}")
    parser.add_argument("--binary", default=DEBUG_BINARY)
    options = parser.parse_args()
    if options.quick:
        options.examples, options.seed = 15, 1
    if not shutil.which("schemathesis"):
        raise SystemExit("contract_test: schemathesis is not installed (python3 -m pip install schemathesis)")

    workdir = tempfile.mkdtemp(prefix="spark-contract-")
    key = "contract-test-key"
    key_file = os.path.join(workdir, "api-keys")
    with open(key_file, "w") as file:
        file.write(key + "\n")
    server = LocalServer(options.binary, widened_fixture(workdir), free_port(), os.path.join(workdir, "server.log"),
                         ["--api-key-file", key_file, "--timeout", "2"])
    try:
        server.start()
        command = ["schemathesis", "run", os.path.join(ROOT, "api/openapi.yaml"),
                   "--url", f"http://127.0.0.1:{server.port}", "--header", f"Authorization: Bearer {key}",
                   "--checks", "all", "--max-examples", str(options.examples), "--request-timeout", "30",
                   "--continue-on-failure", "--output-sanitize", "false"]
        if not options.all_checks:
            command += ["--exclude-checks", LEFT_OUT]
        if options.seed is not None:
            command += ["--seed", str(options.seed)]
        print("contract_test: " + " ".join(command), flush=True)
        outcome = subprocess.run(command, cwd=workdir)
        healthy = get(server.port, "/health")[0] == 200
        if healthy:
            wait_until(lambda: metric(server.port, "spark_kv_blocks_in_use") == 0, 30,
                       "every KV block returning after the run")
    finally:
        server.stop()
    problems = []
    if outcome.returncode != 0:
        problems.append(f"schemathesis found failures (exit {outcome.returncode})")
    if not healthy:
        problems.append("the server was not healthy after the run")
    return verdict("contract_test", problems, workdir)


if __name__ == "__main__":
    sys.exit(main())
