#!/usr/bin/env python3
"""How faithfully does a recipe run's verifier quote the steps it grades?

    python3 scripts/quote_fidelity.py RUN_DIR

Reads Stage I's verifications (RUN_DIR/stage1/verifications.jsonl) and the solutions they grade
(RUN_DIR/stage1/solutions.jsonl), and compares every quoted step (`## Step k: ...`) with the
solution's step k: exact, only digits differ (a misread number: the verifier then checks a step
the student did not write), words differ, or a step the solution does not have. Prints the counts
and a few misquotes. Needs no model: it reads what the run wrote.
"""

import argparse
import collections
import json
import os
import re

QUOTE = re.compile(r"^## Step (\d+): (.*)$", re.M)
NUMBER = re.compile(r"\d+")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", help="a spark-train recipe run folder with a finished stage1")
    parser.add_argument("--examples", type=int, default=5, help="misquotes to print")
    arguments = parser.parse_args()

    stage = os.path.join(arguments.run, "stage1")
    solutions = {}
    for line in open(os.path.join(stage, "solutions.jsonl")):
        solution = json.loads(line)
        solutions[(solution["problem_id"], solution["solution_index"])] = solution["steps"]

    counts = collections.Counter()
    examples = []
    for line in open(os.path.join(stage, "verifications.jsonl")):
        verification = json.loads(line)
        if verification.get("kind") != "verification":
            continue
        steps = solutions[(verification["problem_id"], verification["solution_index"])]
        for number, quote in QUOTE.findall(verification["text"]):
            index = int(number) - 1
            if index >= len(steps):
                counts["a step the solution does not have"] += 1
                continue
            written = steps[index]
            if quote == written:
                counts["exact"] += 1
                continue
            if NUMBER.sub("#", quote) == NUMBER.sub("#", written):
                counts["only digits differ"] += 1
            else:
                counts["words differ"] += 1
            if len(examples) < arguments.examples:
                examples.append((written, quote))

    quoted = sum(counts.values())
    if quoted == 0:
        raise SystemExit(f"no quoted step in {stage}/verifications.jsonl")
    print(f"{quoted} quoted steps")
    for kind, count in counts.most_common():
        print(f"  {kind}: {count} ({100 * count / quoted:.1f} %)")
    for written, quote in examples:
        print(f"  written: {written}\n  quoted:  {quote}")


if __name__ == "__main__":
    main()
