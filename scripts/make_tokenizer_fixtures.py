#!/usr/bin/env python3
"""Builds the tokenizer fixtures under Tests/Fixtures/tokenizers/ with the Hugging Face `tokenizers`
library, which is the reference the Swift tokenizer must equal.

Run from anywhere:
    python3 scripts/make_tokenizer_fixtures.py [--dashscope-wheel dashscope-2.0.2-py3-none-any.whl]
It prints a summary: case counts per family, total size, and HF's own encode speed for scale.

For each tokenizer family it writes a folder with
  tokenizer.json   the tokenizer, as HF saves it
  encode.jsonl     {"text": ..., "add_special_tokens": bool, "ids": [...]}   (ids from HF encode)
  decode.jsonl     {"ids": [...], "skip_special": bool, "text": ..., "bytes": "hex"}   (text from HF decode)
Families: qwen2 (NFC, Qwen2 Split regex + ByteLevel, special and non-special added tokens with every
flag), gpt2 and gpt2-prefix (ByteLevel pre-tokenizer with its own regex, add_prefix_space false/true),
llama3 (Llama-3 regex, ignore_merges, TemplateProcessing BOS), norm (a normalizer Sequence and a
normalized added token), nfd and nfkd (decomposing normalizers), and qwen-real (the real
151,643-token Qwen vocabulary, converted from `qwen.tiktoken` as transformers' TikTokenConverter
does; the file ships in the `dashscope` 2.0.2 wheel, fetched with
`pip download --no-deps dashscope==2.0.2`).

It also writes onig-classes.txt: the class (L, N, W whitespace, NL for \\r \\n, O other) that HF's
regex engine gives every Unicode scalar, as ranges, found by running the Qwen2 Split on probes.

"bytes" in decode.jsonl is the concatenation of the tokens' bytes (what `decodeBytes` must return);
it is computed here from the ByteLevel byte map and checked against HF's lossy text.

Everything is deterministic (fixed seeds); the corpus is generated, nothing is downloaded.
"""

import argparse
import base64
import json
import os
import random
import sys
import time
import zipfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers

QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|"
    r"\s+(?!\S)|\s+"
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "tokenizers")


# ----------------------------------------------------------------------------------------------------
# Corpus and hard inputs

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had by "
    "word but not what all were we when your can said there use an each which she do how their if will up "
    "other about out many then them these so some her would make like him into time has look two more write "
    "go see number no way could people my than first water been call who oil its now find long down day did "
    "get come made may part tokenizer encoding decoding inference transformer attention gradient reward model "
    "reinforcement learning reasoning benchmark throughput latency Swift Linux server request response"
).split()
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL", "'D", "'Ll"]
CJK = [
    "我们今天讨论分词器的实现。", "模型推理需要高效的编码。", "東京は日本の首都です。", "こんにちは、世界！",
    "한국어 문장도 포함합니다.", "数学题：求解方程 x² + 2x + 1 = 0。", "「引用」と『二重引用』",
]
EMOJI = ["😀", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷", "🇯🇵", "🏳️‍🌈", "❤️", "🤖", "🧑🏻‍💻", "1️⃣"]
ACCENTS = [
    "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "résumé", "Tiếng Việt",
    "ñandú", "São Paulo", "Zürich", "\u1e0a\u0323", "D\u0323\u0307", "e\u0301\u0302\u0323", "ﬁ ligature",
    "Ⅻ", "〇", "½", "²³", "①②", "\u0915\u093f", "ǅ", "İstanbul", "ΣΊΣΥΦΟΣ", "Ωmega",
]
CODE = [
    "def f(x):\n    return x * 2\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
    "let tokens = tokenizer.encode(\"hello\", addSpecialTokens: true)\r\n",
    "if x != y && !done { print(\"\\(x)\") }",
    "SELECT id, name FROM users WHERE age >= 18;  -- comment",
    "<html><body class=\"main\">&nbsp;</body></html>",
    "    indented\n        more\n\ttab\n",
    "x=1;y=2;z=x+y#sum",
    "fn main() -> Result<(), Box<dyn Error>> {}",
]
NUMBERS = ["0", "7", "42", "1234567890", "3.14159", "-0.5e-10", "1,000,000", "2024-05-09", "+1 (555) 123-4567",
           "0x1F", "99.99%", "١٢٣", "٤٥٦", "१२३"]
WHITESPACE = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", " \n ", "  \n ",
              "\u00a0", "\u3000", "\u2028", "\u2029", "\u0085", "\u2009", "\u200b", "\u180e", "\x0b", "\x0c",
              "\x1c", "\x1f", " \t \n"]


def corpus(rng, size):
    parts = []
    total = 0
    while total < size:
        kind = rng.random()
        if kind < 0.45:
            n = rng.randint(4, 16)
            words = [rng.choice(WORDS) for _ in range(n)]
            if rng.random() < 0.3:
                words[0] = words[0].capitalize()
            if rng.random() < 0.2:
                words[rng.randrange(n)] += rng.choice(CONTRACTIONS)
            text = " ".join(words) + rng.choice([".", "!", "?", ",", ":", ""]) + rng.choice([" ", "\n", "\n\n"])
        elif kind < 0.6:
            text = rng.choice(CODE)
        elif kind < 0.7:
            text = " ".join(rng.choice(NUMBERS) for _ in range(rng.randint(1, 5))) + " "
        elif kind < 0.8:
            text = rng.choice(CJK)
        elif kind < 0.87:
            text = " ".join(rng.choice(ACCENTS) for _ in range(rng.randint(1, 4))) + " "
        elif kind < 0.93:
            text = rng.choice(EMOJI) + rng.choice(["", " ", "!"])
        else:
            text = rng.choice(WHITESPACE)
        parts.append(text)
        total += len(text)
    return "".join(parts)


def hard_inputs(specials, added):
    cases = [
        "", " ", "  ", "\n", "\n\n\n", "  \n ", "a  ", "a \n", "trailing spaces   ", "\ttab\tseparated\t",
        "CRLF\r\nline\r\n", "\r", "\r\r\n\n", "mixed \r\n \n\r ", "   leading", "a\n\nb", "a \n\n b",
        "x\u00a0y", "x\u3000y", "x\u2028y", "\u2029", "x \u00a0 y", "word\u200bword", "\u180e", "\x1c\x1d\x1e\x1f",
        "It's I'm you're we've they'll he'd don't", "IT'S I'M YOU'RE WE'VE THEY'LL HE'D DON'T",
        "It'S We'Ve 'll 'LL 'lL x'ſx 'ſ 'K 'ﬅ", "'", "''", "'s", "' s", "rock'n'roll", "ʼs", "’s",
        "123", "1234567", "12345678901234567890", "3.14159265358979", "-42", "1e-10", "0.000001", "1,234,567.89",
        "٣٤٥", "१२३४", "Ⅻ Ⅳ", "①②③", "½¾", "x²y³", "〇一二三", "𝟙𝟚𝟛",
        "中文分词测试", "日本語のテキスト", "한국어", "我们123个", "混合English和中文",
        "😀", "😀😀😀", "👨‍👩‍👧‍👦", "🇫🇷🇩🇪", "🏳️‍🌈", "👍🏽", "a😀b", " 😀 ", "🧑🏻‍💻 coding",
        "café", "cafe\u0301", "e\u0301", "\u0301", "\u0301\u0301\u0301", "a\u0301\u0300\u0323", "Ångström",
        "A\u030angstro\u0308m", "\u1e0a\u0323", "D\u0307\u0323", "\u0915\u093f\u0928\u094d\u0926\u0940",
        "ǅungla", "İstanbul", "ΣΊΣΥΦΟΣ", "ß ẞ", "ﬁﬂ", "Ｆｕｌｌｗｉｄｔｈ", "ｶﾀｶﾅ", "㍿", "℃", "™",
        "\U00010940\U00010941", "\U00011382\U000113c9", "a\U0001e4ee\u0301", "\u0e01\u0e33",
        "x" * 300, "ab" * 200, "supercalifragilisticexpialidocious" * 5, "🎉" * 40, "中" * 100,
        " " * 50, "\n" * 30, "\t" * 20, "." * 60, "-" * 100 + "\n",
        "def f(x):\n    return x\n", "\tif (a) {\n\t\treturn;\n\t}\n", "x = [1, 2, 3]  # list",
        "http://example.com/path?q=1&r=2#frag", "user@example.com", "C:\\Windows\\System32",
        "$100.00 or €85,50 or ¥1000", "a+b=c; d-e*f/g", "!!!???...", "((()))[[]]{{}}", "<tag attr=\"v\">",
        "\u00ad soft hyphen", "\ufeffBOM", "\x00null\x01ctl", "\x7f\x80\x9f", "\ufffd", "\U0010ffff", "\ue000",
    ]
    for special in specials + added:
        half = special[: len(special) // 2]
        cases += [
            special, special * 3, f"a{special}b", f" {special} ", f"  {special}  ", f"\n{special}\n",
            f"{half}", f"{half} {special}", f"x{special}{special}y", f"hello{special}world{specials[0]}",
            f"{special[:-1]}", f"é{special}\u0301", f"{special}'s", f"word {special}word",
        ]
    return cases


def random_inputs(rng, count, specials, added):
    pool = (WORDS + CONTRACTIONS + CJK + EMOJI + ACCENTS + CODE + NUMBERS + WHITESPACE + specials + added
            + [s[:3] for s in specials] + ["'", "\u0301", "\r", "\n", "  "])
    out = []
    for _ in range(count):
        n = rng.randint(1, 12)
        out.append("".join(rng.choice(pool) + rng.choice(["", "", " ", "\n"]) for _ in range(n)))
    return out


# ----------------------------------------------------------------------------------------------------
# Byte map, as GPT-2 defines it, to compute the exact bytes of a decode

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}


def token_bytes(token):
    if all(c in BYTE_DECODER for c in token):
        return bytes(BYTE_DECODER[c] for c in token)
    return token.encode("utf-8")


# ----------------------------------------------------------------------------------------------------
# Tokenizer families

def train(texts, vocab_size, special_tokens, pre_tokenizer, normalizer=None):
    tok = Tokenizer(models.BPE())
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=special_tokens, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer)
    return tok


def qwen2_family(texts):
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = train(
        texts, 4000, specials,
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]),
        normalizer=normalizers.NFC(),
    )
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken("<|mask|>", lstrip=True, rstrip=True, normalized=False, special=True)])
    tok.add_tokens([
        AddedToken("<think>", normalized=False, special=False),
        AddedToken("</think>", normalized=False, special=False),
        AddedToken("<tool>", single_word=True, normalized=False, special=False),
        AddedToken("A\u030angstro\u0308m!", normalized=True, special=False),
    ])
    added = ["<think>", "</think>", "<tool>", "A\u030angstro\u0308m!", "Ångström!", "<|mask|>"]
    return tok, specials + ["<|mask|>"], added


def gpt2_family(texts):
    specials = ["<|endoftext|>"]
    tok = train(texts, 3000, specials,
                pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True))
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    prefixed = Tokenizer.from_str(tok.to_str())
    prefixed.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    return tok, prefixed, specials, []


def llama3_family(texts):
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    specials += [f"<|reserved_special_token_{i}|>" for i in range(4)]
    tok = train(
        texts, 4000, [],
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
        ]),
    )
    # Whole words that merges cannot build: only `ignore_merges` finds them, as in Llama-3.
    state = json.loads(tok.to_str())
    vocab = state["model"]["vocab"]
    for word in ["Ġtokenizerencoding", "Ġunreachable", "unmergeable", "12", "Ġ123"]:
        if word not in vocab:
            vocab[word] = len(vocab)
    state["model"]["ignore_merges"] = True
    tok = Tokenizer.from_str(json.dumps(state))
    tok.add_special_tokens([AddedToken(s, normalized=False, special=True) for s in specials])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    return tok, specials, ["tokenizerencoding", " unreachable", "unmergeable"]


def norm_family(qwen2):
    state = json.loads(qwen2.to_str())
    state["added_tokens"] = [t for t in state["added_tokens"] if t["special"]]
    tok = Tokenizer.from_str(json.dumps(state))
    tok.normalizer = normalizers.Sequence([
        normalizers.Strip(left=True, right=True),
        normalizers.NFKC(),
        normalizers.Lowercase(),
        normalizers.Replace("``", '"'),
        normalizers.Replace("  ", " "),
        normalizers.Prepend("\u2581"),
    ])
    tok.add_tokens([AddedToken("[MASK]", normalized=True, special=False)])
    return tok, [t["content"] for t in state["added_tokens"]], ["[MASK]", "[mask]", "``quoted``"]


def decomposing_family(qwen2, normalizer):
    """The Qwen2-style model with a decomposing normalizer (NFD, NFKD): byte-level models rarely use
    them, but the Swift side supports them, so they are checked too."""
    state = json.loads(qwen2.to_str())
    state["added_tokens"] = [t for t in state["added_tokens"] if t["special"]]
    tok = Tokenizer.from_str(json.dumps(state))
    tok.normalizer = normalizer
    return tok, [t["content"] for t in state["added_tokens"]], []


def qwen_real(path):
    if path is None or not os.path.exists(path):
        return None
    ranks = {}
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
    to_str = lambda b: "".join(BYTE_ENCODER[x] for x in b)
    vocab = {to_str(t): r for t, r in ranks.items()}
    merges = []
    for token, rank in ranks.items():
        local = []
        for i in range(1, len(token)):
            left, right = token[:i], token[i:]
            if left in ranks and right in ranks:
                local.append((ranks[left], ranks[right], rank, left, right))
        local.sort()
        merges.extend(local)
    merges.sort(key=lambda m: m[2])
    merges = [(to_str(m[3]), to_str(m[4])) for m in merges]
    tok = Tokenizer(models.BPE(vocab, merges, fuse_unk=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok.add_special_tokens([AddedToken(s, normalized=False, special=True) for s in specials])
    # Merges as "a b" strings, the older form HF still reads: it covers that form and keeps the file
    # under 8 MB (byte-level tokens never hold a raw space, so the split is unambiguous).
    state = json.loads(tok.to_str())
    state["model"]["merges"] = [" ".join(m) for m in state["model"]["merges"]]
    return Tokenizer.from_str(json.dumps(state)), specials, json.dumps(state, ensure_ascii=False)


# ----------------------------------------------------------------------------------------------------
# Writing

def write_family(name, tok, texts, rng, decode_count, saved_json=None):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "tokenizer.json")
    if saved_json is None:
        tok.save(path, pretty=False)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(saved_json)
    tok = Tokenizer.from_file(path)  # record what the saved file does, not the object in memory
    encode_cases = 0
    with open(os.path.join(folder, "encode.jsonl"), "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            add = i % 3 == 0
            ids = tok.encode(text, add_special_tokens=add).ids
            f.write(json.dumps({"text": text, "add_special_tokens": add, "ids": ids}, ensure_ascii=False) + "\n")
            encode_cases += 1
    size = tok.get_vocab_size(with_added_tokens=True)
    top = max(tok.get_vocab(with_added_tokens=True).values()) + 1
    special_ids = [i for i, t in tok.get_added_tokens_decoder().items() if t.special]
    byte_ids = [tok.token_to_id(BYTE_ENCODER[b]) for b in range(256)]
    byte_ids = [i for i in byte_ids if i is not None]
    decode_cases = 0
    with open(os.path.join(folder, "decode.jsonl"), "w", encoding="utf-8") as f:
        sequences = [[], [top], [top + 1000, 0], special_ids[:1], special_ids]
        for _ in range(decode_count):
            n = rng.randint(1, 24)
            seq = []
            for _ in range(n):
                r = rng.random()
                if r < 0.45:
                    seq.append(rng.choice(byte_ids))
                elif r < 0.85:
                    seq.append(rng.randrange(top))
                elif r < 0.97 and special_ids:
                    seq.append(rng.choice(special_ids))
                else:
                    seq.append(top + rng.randrange(5))
            sequences.append(seq)
        sequences += [tok.encode(t).ids for t in texts[:40]]
        for seq in sequences:
            for skip in (False, True):
                text = tok.decode(seq, skip_special_tokens=skip)
                tokens = [tok.id_to_token(i) for i in seq]
                raw = b"".join(token_bytes(t) for i, t in zip(seq, tokens)
                               if t is not None and not (skip and i in special_ids))
                assert raw.decode("utf-8", errors="replace") == text, (name, seq, skip)
                f.write(json.dumps({"ids": seq, "skip_special": skip, "text": text, "bytes": raw.hex()},
                                   ensure_ascii=False) + "\n")
                decode_cases += 1
    return encode_cases, decode_cases, size


def onig_classes():
    split = pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated")
    pieces = lambda s: len(split.pre_tokenize_str(s))
    ranges = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        if c in "\r\n":
            cls = "NL"
        elif c == " ":
            cls = "W"
        elif pieces("x" + c) == 1:
            cls = "L"
        elif pieces(c + "!") == 1:
            cls = "O"
        elif pieces(c + "a") == 2:
            cls = "N"
        else:
            cls = "W"
        if ranges and ranges[-1][2] == cls and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, cls])
    with open(os.path.join(OUT, "onig-classes.txt"), "w") as f:
        f.write("# first last class: the class HF's Oniguruma gives each scalar in the Qwen2 pattern\n")
        for first, last, cls in ranges:
            f.write(f"{first:X} {last:X} {cls}\n")
    return len(ranges)


def qwen_tiktoken_from_wheel(wheel):
    """Extracts qwen.tiktoken from a dashscope wheel (`pip download --no-deps dashscope==2.0.2 -d DIR`)."""
    if wheel is None:
        return None
    target = os.path.join("/tmp", "qwen.tiktoken")
    with zipfile.ZipFile(wheel) as z, open(target, "wb") as out:
        out.write(z.read("dashscope/resources/qwen.tiktoken"))
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dashscope-wheel", help="dashscope-2.0.2 wheel holding qwen.tiktoken (else no qwen-real)")
    args = parser.parse_args()
    rng = random.Random(20240509)
    os.makedirs(OUT, exist_ok=True)
    texts = corpus(rng, 400_000).split("\n\n")

    summary = []
    qwen2, q_specials, q_added = qwen2_family(texts)
    gpt2, gpt2_prefix, g_specials, g_added = gpt2_family(texts)
    llama3, l_specials, l_added = llama3_family(texts)
    norm, n_specials, n_added = norm_family(qwen2)
    families = [
        ("qwen2", qwen2, q_specials, q_added),
        ("gpt2", gpt2, g_specials, g_added),
        ("gpt2-prefix", gpt2_prefix, g_specials, g_added),
        ("llama3", llama3, l_specials, l_added),
        ("norm", norm, n_specials, n_added),
        ("nfd", *decomposing_family(qwen2, normalizers.NFD())),
        ("nfkd", *decomposing_family(qwen2, normalizers.NFKD())),
    ]
    real = qwen_real(qwen_tiktoken_from_wheel(args.dashscope_wheel))
    if real is not None:
        families.append(("qwen-real", real[0], real[1], ["<think>"]))
    for name, tok, specials, added in families:
        inputs = hard_inputs(specials, added) + random_inputs(rng, 220, specials, added)
        saved_json = real[2] if name == "qwen-real" else None
        e, d, size = write_family(name, tok, inputs, rng, 120, saved_json)
        summary.append(f"{name}: {e} encode cases, {d} decode cases, vocabulary {size}")
    summary.append(f"onig-classes.txt: {onig_classes()} ranges")

    if real is not None:
        text = corpus(random.Random(7), 2_000_000)
        tok = Tokenizer.from_file(os.path.join(OUT, "qwen-real", "tokenizer.json"))
        start = time.perf_counter()
        tok.encode(text)
        elapsed = time.perf_counter() - start
        summary.append(f"HF encode of {len(text.encode())} bytes with qwen-real: "
                       f"{len(text.encode()) / elapsed / 1e6:.1f} MB/s (one thread)")
    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(OUT) for f in files)
    summary.append(f"total size {total / 1e6:.1f} MB")
    print("\n".join(summary))


if __name__ == "__main__":
    sys.exit(main())
