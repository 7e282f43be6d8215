#!/usr/bin/env python3
"""Builds the fixtures under Tests/Fixtures/bpe-training/ with the Hugging Face `tokenizers` BpeTrainer,
the reference that `spark-train tokenizer` (BPETrainer in Sources/Model/Tokenizer) must equal.

Run from anywhere:
    python3 scripts/make_bpe_training_fixtures.py [--check DIR --data FILE]

It writes
  corpus.txt            generated documents (the corpus of make_tokenizer_fixtures.py: English, code,
                        numbers, CJK, accents, emoji, whitespace runs; plus ChatML turns), joined by "\\n\\n"
  corpus.jsonl          the same documents, one {"text": ...} per line
  text/tokenizer.json   HF's BpeTrainer on corpus.txt read as one text
  jsonl/tokenizer.json  HF's BpeTrainer on the documents of corpus.jsonl, one text each
  llama3/tokenizer.json HF's BpeTrainer on corpus.txt read as one text, with Llama 3's split pattern
                        (numbers of up to three digits kept whole) instead of Qwen2's
  digits-apart/tokenizer.json  HF's BpeTrainer on corpus.txt read as one text, with GPT-2's split pattern
                        changed to cut every ASCII digit (and the space before it) off as a piece of its
                        own: what `spark-train tokenizer --split-pattern gpt2 --digits-apart` must learn
                        (HF's trainer has no such option); the tests compare all but the pattern
  encode.jsonl          {"text": ..., "ids": [...]}: HF's ids from text/tokenizer.json on hard and random inputs
Both trainings use vocab_size VOCAB_SIZE, min_frequency MIN_FREQUENCY, the ChatML special tokens and the
pipeline that spark-train writes, which is Qwen2's: NFC, Split on the Qwen2 pattern (Isolated), ByteLevel
without prefix space or regex, ByteLevel post-processor and decoder. The files are saved compact
(pretty=False), which is how the Swift writer writes them, so the tests compare bytes.

With --check, it instead trains HF on FILE (plain text, or JSONL with a "text" field) with the settings
recorded in DIR/tokenizer.json (a tokenizer written by spark-train) and reports whether the two files are
identical, whether HF loads DIR/tokenizer.json and transformers loads DIR, and whether they encode FILE
alike; with timings. Used for the larger corpora that are not committed.

Everything is deterministic (fixed seeds); nothing is downloaded.
"""

import argparse
import json
import os
import random
import sys
import time

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tokenizer_fixtures import LLAMA3_PATTERN, QWEN2_PATTERN, corpus, hard_inputs, random_inputs  # noqa: E402

GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
# Pieces of one ASCII digit each never hold a pair of digits, which is what --digits-apart forbids.
DIGITS_APART_PATTERN = GPT2_PATTERN.replace(r" ?\p{N}+", r" ?[0-9]| ?\p{N}+")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "bpe-training")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 1200
MIN_FREQUENCY = 2


def documents(rng, size):
    docs = [d for d in corpus(rng, size).split("\n\n") if d]
    # Chat-formatted documents: the special tokens are ordinary text to the trainer, as in HF.
    for i in range(0, len(docs), 9):
        docs[i] = f"<|im_start|>user\n{docs[i]}<|im_end|>\n<|im_start|>assistant\n{docs[i][::-1]}<|im_end|>\n"
    return docs


def train(texts, vocab_size, min_frequency, specials, pattern=QWEN2_PATTERN):
    """HF's BpeTrainer with Qwen2's tokenizer.json pipeline (with `pattern` as its split)."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer)
    # decoders.ByteLevel() ignores its arguments and writes true for all three; Qwen2's has false.
    state = json.loads(tok.to_str())
    state["decoder"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return Tokenizer.from_str(json.dumps(state))


def save(tok, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tok.save(path, pretty=False)


def read_texts(path):
    # newline="": Python would otherwise turn "\r\n" into "\n", which spark-train does not.
    with open(path, encoding="utf-8", newline="") as f:
        if not path.endswith((".jsonl", ".ndjson")):
            return [f.read()]
        return [json.loads(line)["text"] for line in f if line.strip()]


def check(directory, data):
    """Trains HF on `data` with the settings of DIR/tokenizer.json and compares."""
    path = os.path.join(directory, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        ours = f.read()
    state = json.loads(ours)
    specials = [t["content"] for t in state["added_tokens"]]
    vocab_size = len(state["model"]["vocab"])
    texts = read_texts(data)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    start = time.perf_counter()
    pattern = state["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    reference = train(texts, vocab_size, MIN_FREQUENCY, specials, pattern)
    seconds = time.perf_counter() - start
    print(f"HF BpeTrainer: {megabytes:.1f} MB, vocabulary {vocab_size}, {seconds:.2f} s "
          f"({megabytes / seconds:.2f} MB/s; RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'all')})")
    theirs = reference.to_str()
    print("tokenizer.json identical to HF's:", ours == theirs)
    if ours != theirs:
        a, b = state["model"], json.loads(theirs)["model"]
        first = next((i for i, (x, y) in enumerate(zip(a["merges"], b["merges"])) if x != y), None)
        print(f"merges: ours {len(a['merges'])}, HF {len(b['merges'])}, first difference at rank {first}")
    loaded = Tokenizer.from_file(path)
    text = "".join(texts)[:2_000_000]
    same = loaded.encode(text).ids == reference.encode(text).ids
    print(f"HF encodes the first {len(text)} characters alike with both files: {same}")
    try:
        from transformers import AutoTokenizer
        hf = AutoTokenizer.from_pretrained(directory)
        rendered = hf.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False,
                                          add_generation_prompt=True)
        print("transformers loads it; eos", hf.eos_token, "pad", hf.pad_token, "chat template:", repr(rendered))
    except ImportError:
        print("transformers not installed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="DIR", help="compare a tokenizer written by spark-train with HF's")
    parser.add_argument("--data", metavar="FILE", help="with --check: the text it was trained on")
    args = parser.parse_args()
    if args.check:
        check(args.check, args.data)
        return 0

    rng = random.Random(20261125)
    docs = documents(rng, 150_000)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="utf-8", newline="") as f:
        f.write("\n\n".join(docs))
    with open(os.path.join(OUT, "corpus.jsonl"), "w", encoding="utf-8", newline="") as f:
        for doc in docs:
            f.write(json.dumps({"text": doc}, ensure_ascii=False) + "\n")

    whole = train(["\n\n".join(docs)], VOCAB_SIZE, MIN_FREQUENCY, SPECIALS)
    save(whole, os.path.join(OUT, "text", "tokenizer.json"))
    per_document = train(docs, VOCAB_SIZE, MIN_FREQUENCY, SPECIALS)
    save(per_document, os.path.join(OUT, "jsonl", "tokenizer.json"))
    whole_numbers = train(["\n\n".join(docs)], VOCAB_SIZE, MIN_FREQUENCY, SPECIALS, LLAMA3_PATTERN)
    save(whole_numbers, os.path.join(OUT, "llama3", "tokenizer.json"))
    digits_apart = train(["\n\n".join(docs)], VOCAB_SIZE, MIN_FREQUENCY, SPECIALS, DIGITS_APART_PATTERN)
    save(digits_apart, os.path.join(OUT, "digits-apart", "tokenizer.json"))

    tok = Tokenizer.from_file(os.path.join(OUT, "text", "tokenizer.json"))
    inputs = hard_inputs(SPECIALS, []) + random_inputs(rng, 200, SPECIALS, [])
    with open(os.path.join(OUT, "encode.jsonl"), "w", encoding="utf-8", newline="") as f:
        for text in inputs:
            f.write(json.dumps({"text": text, "ids": tok.encode(text).ids}, ensure_ascii=False) + "\n")

    for name, t in [("text", whole), ("jsonl", per_document), ("llama3", whole_numbers),
                    ("digits-apart", digits_apart)]:
        merges = json.loads(t.to_str())["model"]["merges"]
        print(f"{name}/tokenizer.json: vocabulary {t.get_vocab_size()}, {len(merges)} merges")
    print(f"corpus: {len(docs)} documents, {sum(len(d.encode()) for d in docs)} bytes; "
          f"encode.jsonl: {len(inputs)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
