#!/usr/bin/env python3
"""Does a recipe generator solve fresh problems of the policy's world?

    python3 scripts/solve_probe.py MODEL_DIR BENCHMARK_JSONL [PROBLEMS] [TEMPERATURE]

Asks the checkpoint (transformers; greedy, or sampled at TEMPERATURE with top-p 0.95, as `spark-train
synth` samples, and seed 0) with Stage I's
generator prompt, as the recipe's generator
rows have it (RUN/corpus/generator.jsonl beside MODEL_DIR), to solve the first PROBLEMS (default 30)
distinct problems of a benchmark file (`benchmark/benchmark.jsonl` of a recipe run: problems no
generator row has), and counts the final answers that equal the problem's answer, which this script
works out itself from the problem's sentences (an independent reading of the world's grammar: it
agrees with every gold answer of the generator rows, which it checks first).
"""
import json
import os
import re
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

LOSSES = re.compile(r"\b(uses|spends|gives)\b")


def answer(problem):
    """The running value through the sentences: a start, then +, -, ×, ÷ or a group of groups."""
    sentences = problem.split(". ")
    value = int(re.search(r" has (\d+) ", sentences[0]).group(1))
    for sentence in sentences[1:]:
        numbers = [int(n) for n in re.findall(r"\d+", sentence)]
        if not numbers:
            continue
        if "becomes" in sentence:
            value *= numbers[0]
        elif "splits" in sentence:
            value //= numbers[0]
        elif " with " in sentence:
            value += -numbers[0] * numbers[1] if LOSSES.search(sentence) else numbers[0] * numbers[1]
        else:
            value += -numbers[0] if LOSSES.search(sentence) else numbers[0]
    return value


def problem_of(prompt):
    return re.search(r"Problem: (.*?)\n\n", prompt, re.S).group(1)


def main():
    directory, benchmark = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    temperature = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    torch.manual_seed(0)
    rows_path = os.path.join(os.path.dirname(os.path.abspath(directory)), "corpus", "generator.jsonl")
    rows = [json.loads(line) for line in open(rows_path)]
    disagreements = [r for r in rows if answer(problem_of(r["prompt"])) != int(r["completion"].split("Answer: ")[-1])]
    if disagreements:
        raise SystemExit(f"the answer reader disagrees with {len(disagreements)} gold answers: {disagreements[0]}")
    template = rows[0]["prompt"]
    problems = list(dict.fromkeys(json.loads(line)["problem"] for line in open(benchmark)))[:count]
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    right = 0
    for problem in problems:
        prompt = template.replace(problem_of(template), problem)
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt")
        ids = ids if isinstance(ids, torch.Tensor) else ids["input_ids"]
        output = model.generate(
            ids, max_new_tokens=256, do_sample=temperature > 0, temperature=temperature or None, top_p=0.95,
            top_k=0, eos_token_id=tokenizer.eos_token_id)
        reply = tokenizer.decode(output[0][ids.shape[1]:], skip_special_tokens=True)
        found = re.search(r"Answer: (\d+)", reply)
        right += found is not None and int(found.group(1)) == answer(problem)
    how = f"sampled at temperature {temperature}" if temperature > 0 else "greedy"
    print(f"{directory}: {right} of {len(problems)} fresh problems answered right ({how}); "
          f"the answer reader agrees with all {len(rows)} gold answers")


if __name__ == "__main__":
    main()
