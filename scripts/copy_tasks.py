#!/usr/bin/env python3
"""Copy tasks that only copying can solve: does a small model learn to copy from its context?

    python3 scripts/copy_tasks.py write KIND FILE.jsonl [--documents N] [--seed S]
    python3 scripts/copy_tasks.py probe KIND MODEL_DIR [--documents N]

A recipe verifier must quote the student's numbers, wrong ones included (README, "The recipe"). These
tasks isolate that skill from arithmetic: every result is a random number, so nothing but the earlier
line predicts it. Kinds:
  numbers   a line of random numbers, then `again: ` and the same line;
  in-order  equations with random results, then the same equations in the same order;
  shuffled  the same equations in another order: the line to copy from is found by its operands;
  drills    true equations of the recipe's kind, half with a wrong result, then `Checked:` each one
            copied as written and the wrong ones computed again (`a op b = claimed, but a op b = right.`),
            as the recipe's checking drills: a base must copy the claim and compute the correction.
`write` makes a pretraining file for `spark-train pretrain --data` (the recipe's copy phase writes
in-order documents of this format itself: Sources/Recipe/CopyCurriculum.swift); `probe` teacher-forces a checkpoint
(transformers) on fresh documents of the kind (another seed) and prints the mean probability of the
copied token at the first digit of each repeated result and at every other repeated token (for drills:
at the first digit of a wrong claim's copy and of its correction, where the two differ). An untrained
model gives about 0.1 at a result's first digit; one that copies, near 1.
"""

import argparse
import json
import random
import re

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

OPERATORS = ["+", "-", "×", "÷"]
REPEAT_MARKERS = {
    "numbers": "\nagain: ",
    "in-order": "\n\nThe same equations again:\n",
    "shuffled": "\n\nThe same equations, in another order:\n",
    "drills": "\n\nChecked:\n",
}
WRONG_CHECK = re.compile(r"^[^\n]* = (\d+), but [^\n]* = (\d+)\.$", re.MULTILINE)


def document(kind, generator):
    if kind == "drills":
        return drill(generator)
    if kind == "numbers":
        numbers = " ".join(str(generator.randint(0, 999)) for _ in range(generator.randint(6, 16)))
        return numbers + REPEAT_MARKERS[kind] + numbers
    lines = [
        f"{generator.randint(2, 99)} {generator.choice(OPERATORS)} {generator.randint(2, 99)} = {generator.randint(0, 999)}"
        for _ in range(generator.randint(6, 12))
    ]
    repeated = list(lines)
    if kind == "shuffled":
        generator.shuffle(repeated)
    return "Equations:\n" + "\n".join(lines) + REPEAT_MARKERS[kind] + "\n".join(repeated)


def drill(generator):
    claims, checks = [], []
    for _ in range(generator.randint(3, 8)):
        operator = generator.choice(OPERATORS)
        right = generator.randint(2, 9)
        if operator in "+-":
            right = generator.choice([right, generator.randint(4, 81)])
        if operator == "+":
            left = generator.randint(2, 99 - right)
            result = left + right
        elif operator == "-":
            result = generator.randint(1, 99 - right)
            left = result + right
        elif operator == "×":
            left = generator.randint(2, 99 // right)
            result = left * right
        else:
            result = generator.randint(2, 99 // right)
            left = result * right
        claimed = result
        if generator.random() < 0.5:
            while claimed == result:
                claimed = generator.randint(0, 99)
        claim = f"{left} {operator} {right} = {claimed}"
        claims.append(claim)
        checks.append(f"{claim}, which is right." if claimed == result else f"{claim}, but {left} {operator} {right} = {result}.")
    return "Equations:\n" + "\n".join(claims) + REPEAT_MARKERS["drills"] + "\n".join(checks)


def write(arguments):
    generator = random.Random(arguments.seed)
    with open(arguments.path, "w") as file:
        for _ in range(arguments.documents):
            file.write(json.dumps({"text": document(arguments.kind, generator)}, ensure_ascii=False) + "\n")


def probe(arguments):
    tokenizer = AutoTokenizer.from_pretrained(arguments.path)
    model = AutoModelForCausalLM.from_pretrained(arguments.path, dtype=torch.float32).eval()
    # Another seed than `write`'s default, so the probe never scores a training document.
    generator = random.Random(1_000_003)
    results, others = [], []
    for _ in range(arguments.documents):
        text = document(arguments.kind, generator)
        encoding = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
        with torch.no_grad():
            probabilities = model(torch.tensor([encoding.input_ids])).logits[0].softmax(-1)
        token_at = {start: index for index, (start, _) in enumerate(encoding.offset_mapping)}
        probability = lambda index: probabilities[index - 1, encoding.input_ids[index]].item()
        repeat_start = text.index(REPEAT_MARKERS[arguments.kind]) + len(REPEAT_MARKERS[arguments.kind])
        if arguments.kind == "drills":
            for match in WRONG_CHECK.finditer(text, repeat_start):
                if match.group(1)[0] != match.group(2)[0]:
                    results.append(probability(token_at[match.start(1)]))
                    others.append(probability(token_at[match.start(2)]))
            continue
        for index, (start, _) in enumerate(encoding.offset_mapping):
            if start >= repeat_start:
                (results if text[:start].endswith("= ") else others).append(probability(index))
    if arguments.kind == "drills":
        if not results:
            raise SystemExit("no wrong claim whose first digit differs from the right one: probe more --documents")
        print(f"drills: mean p(claimed digit) at a wrong claim's copy {sum(results) / len(results):.3f}, "
              f"p(right digit) at its correction {sum(others) / len(others):.3f}")
        return
    parts = [f"first digits of results {sum(results) / len(results):.3f}"] if results else []
    parts.append(f"other repeated tokens {sum(others) / len(others):.3f}")
    print(f"{arguments.kind}: mean p(copied token) at " + ", ".join(parts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write_parser = commands.add_parser("write", help="write a pretraining JSONL file of one kind")
    write_parser.add_argument("kind", choices=sorted(REPEAT_MARKERS))
    write_parser.add_argument("path", help="the JSONL file to write")
    write_parser.add_argument("--documents", type=int, default=30000)
    write_parser.add_argument("--seed", type=int, default=0)
    probe_parser = commands.add_parser("probe", help="teacher-force a checkpoint on fresh documents")
    probe_parser.add_argument("kind", choices=sorted(REPEAT_MARKERS))
    probe_parser.add_argument("path", help="a checkpoint folder (config.json, model.safetensors, tokenizer)")
    probe_parser.add_argument("--documents", type=int, default=40)
    arguments = parser.parse_args()
    if arguments.command == "write":
        write(arguments)
    else:
        probe(arguments)


if __name__ == "__main__":
    main()
