#!/usr/bin/env python3
"""Does a recipe checkpoint read the problem it solves?

    python3 scripts/read_probe.py RUN_DIR MODEL [RECORDS]     (MODEL: base, reader, generator, ...)

Teacher-forces the checkpoint (transformers) on `Problem: …\\n\\nSolution:\\n` and a gold solution, the
base's pretraining format, for the problems of the last RECORDS (default 15) generator rows of the run
(`corpus/generator.jsonl`: the policy's world; problems the base and the reader never read, the
generator's own training rows), and prints the mean probability of the first digit of every number in
the solution, by where the number comes from: the problem's text, an earlier step (carried), or the
step's own arithmetic (after `=`); then, after a slash, the mean probability of the whole number (the
product over the tokens that write it and the space before it), which compares tokenizers that cut
numbers differently. A model that reads gives each nearly 1; a solution of a dozen numbers at 0.55
each is never right.
"""
import json, os, re, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer

run, name = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 15
directory = os.path.join(run, name)
tokenizer = AutoTokenizer.from_pretrained(directory)
model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
rows = [json.loads(line) for line in open(os.path.join(run, "corpus", "generator.jsonl"))][-limit:]
by_source = {}
for row in rows:
    problem = re.search(r"Problem: (.*?)\n\n", row["prompt"], re.S).group(1)
    prefix = "Problem: " + problem + "\n\nSolution:\n"
    solution = row["completion"]
    encoding = tokenizer(prefix + solution, return_offsets_mapping=True, add_special_tokens=False)
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor([encoding.input_ids])).logits[0], -1)
    in_problem = set(re.findall(r"\d+", problem))
    seen = set()
    for number in re.finditer(r"\d+", solution):
        before = solution[:number.start()]
        if re.search(r"(^|\n)Step $", before):
            continue
        start = len(prefix) + number.start()
        token = next(i for i, (a, b) in enumerate(encoding.offset_mapping) if a <= start < b)
        probability = probabilities[token - 1, encoding.input_ids[token]].item()
        whole = 1.0
        for index, (a, b) in enumerate(encoding.offset_mapping):
            if a < start + len(number.group()) and b > start - 1:
                whole *= probabilities[index - 1, encoding.input_ids[index]].item()
        source = ("arithmetic (after =)" if before.rstrip().endswith("=")
                  else "problem" if number.group() in in_problem
                  else "carried" if number.group() in seen else "other")
        seen.add(number.group())
        by_source.setdefault(source, []).append((probability, whole))


def mean(values):
    return sum(values) / len(values)


print(name, ", ".join(f"{source} {mean([v[0] for v in values]):.2f}/{mean([v[1] for v in values]):.2f} "
                      f"(n={len(values)})" for source, values in sorted(by_source.items())))
