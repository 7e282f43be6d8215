#!/usr/bin/env python3
"""Does a recipe checkpoint work out a recomputation, and compare it with the claim?

    python3 scripts/recompute_probe.py RUN_DIR MODEL [ROWS]     (MODEL: reader, verifier, ...)

On the last ROWS (default 40) of the verifier's own SFT rows (RUN_DIR/corpus/verifier.jsonl), each
`The problem calls for A WORD B:` or `Recomputing: A WORD B:` line is teacher-forced up to its colon and
generated greedily to its end with transformers; counts the lines whose worked result is right, whose
copy of the step's claim beside it (`so 26. The step has 34`) is right, and whose decision (`it
matches` / `it does not match`) is right, for claims that were right and claims that were wrong, and
shows the first misses.
"""
import json, os, re, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
run, name = sys.argv[1], sys.argv[2]; limit = int(sys.argv[3]) if len(sys.argv) > 3 else 40
directory = os.path.join(run, name)
tok = AutoTokenizer.from_pretrained(directory)
model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
rows = [json.loads(l) for l in open(os.path.join(run, "corpus", "verifier.jsonl"))]
rows = [r for r in rows if r["prompt"].startswith("You are a math teacher") and "Expected Answer" not in r["prompt"]][-limit:]
stats = {"right claim": [0, 0, 0, 0], "wrong claim": [0, 0, 0, 0]}  # lines, result, claim copied, decision right
LINE = r"so (\d+)(?: remainder \d+)?\. The step has (\d+): [^\n]*?; it (matches|does not match)\."
examples = []
for row in rows:
    chat = tok.apply_chat_template([{"role": "user", "content": row["prompt"]}], tokenize=False, add_generation_prompt=True)
    completion = row["completion"]
    for m in re.finditer(r"(?:The problem calls for|Recomputing:) ([^:\n]+): [^\n]*?" + LINE, completion):
        head_end = m.start(1) + len(m.group(1)) + 1
        prefix = chat + completion[:head_end]
        ids = tok(prefix, return_tensors="pt", add_special_tokens=False).input_ids
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=100, do_sample=False, pad_token_id=0)
        line = tok.decode(out[0][ids.shape[1]:]).split("\n")[0]
        g = re.search(LINE, line)
        kind = "right claim" if m.group(4) == "matches" else "wrong claim"
        s = stats[kind]; s[0] += 1
        if g and g.group(1) == m.group(2): s[1] += 1
        if g and g.group(2) == m.group(3): s[2] += 1
        if g and g.group(3) == m.group(4): s[3] += 1
        elif len(examples) < 6: examples.append(f"want {m.group(0)[-80:]} | got {line[-80:]}")
for k, (n, r, c, d) in stats.items():
    print(f"{name} {k}: {n} lines, result right {r}/{n}, claim copied {c}/{n}, decision right {d}/{n}")
for e in examples: print("  ", e)
