#!/usr/bin/env python3
"""Golden reference fixtures for the Swift inference engine (Qwen2 / Llama, Hugging Face layout).

Regenerates, in place and deterministically:

  Tests/Fixtures/models/<name>/   tiny random checkpoints written by transformers' save_pretrained,
                                  with a byte-level BPE tokenizer trained here (Qwen2 configuration)
  Tests/Fixtures/golden/<name>.json  and  Tests/Fixtures/golden/<name>/*.npy   reference logits,
                                  greedy continuations and chat-template renderings
  Tests/Fixtures/README.md        what each fixture is, sizes, versions

Run from anywhere:  python3 scripts/make_model_fixtures.py
Python is used for fixture generation only; the Swift tests read the files.

Numerics (see README): float32 logits come from one transformers forward over the whole prompt with
attn_implementation="eager" and use_cache=False. The float64 references are "exact": transformers' model in
float64 with its three internal float32 casts (RMSNorm input, rotary angles, eager softmax) removed, checked
against an independent numpy float64 implementation of the same architecture.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import types
import unicodedata
from pathlib import Path

# One thread: float32 results must not depend on the machine's core count.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import safetensors.torch  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    AutoTokenizer,
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)
from transformers.models.llama import modeling_llama  # noqa: E402
from transformers.models.qwen2 import modeling_qwen2  # noqa: E402

transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
MODELS_DIR = FIXTURES / "models"
GOLDEN_DIR = FIXTURES / "golden"

# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------

QWEN2_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
BPE_VOCAB = 600  # 256 byte symbols + 344 merges; the three special tokens come after: ids 600, 601, 602
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ENDOFTEXT_ID, IM_START_ID, IM_END_ID = BPE_VOCAB, BPE_VOCAB + 1, BPE_VOCAB + 2
TOKENIZER_SIZE = BPE_VOCAB + len(SPECIAL_TOKENS)  # 603
MODEL_MAX_LENGTH = 2048

# The chat template of Qwen2-Instruct (e.g. Qwen/Qwen2-0.5B-Instruct tokenizer_config.json), verbatim.
QWEN2_INSTRUCT_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

WORDS = """
the a an of to and in is it that for on with as was at by this be from or have not are but
cat dog bird fish horse model token engine layer weight value answer result number river mountain
city forest garden window kitchen teacher student question problem sentence letter word reason
small large quick slow bright quiet happy careful simple strange golden ancient modern gentle
runs walks reads writes thinks solves counts builds opens closes finds keeps gives takes makes
quickly slowly carefully always never often today tomorrow yesterday together again almost
red blue green yellow purple orange black white brown grey
computer program function variable matrix vector tensor kernel memory buffer thread cache
""".split()
NAMES = ["Alice", "Bob", "Carol", "Dave", "Eve", "Mallory", "Zoë", "José", "Ångström", "Chloé"]
CONTRACTIONS = ["it's", "don't", "we'll", "I'm", "they've", "she'd", "you're", "can't", "IT'S", "We'RE", "He'LL"]
CODE = [
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n    print(i * i)\n",
    "func square(_ x: Int) -> Int {\n    return x * x\n}\n",
    "let values = [1, 2, 3].map { $0 * 2 }\n",
    "if (x > 0 && y < 10) {\n\tcount += 1;\n}\n",
    "class Node:\n    def __init__(self, value):\n        self.value = value\n        self.next = None\n",
    "struct Point { var x: Double; var y: Double }\n",
    "# compute the mean\nmean = sum(xs) / len(xs)\n",
    "while n != 1:\n    n = n // 2 if n % 2 == 0 else 3 * n + 1\n",
    "print(f\"{name}: {score:.2f}\")\r\n",
    "return {\"key\": [1, 2, 3], \"ok\": true}\n",
]
CJK = ["你好，世界！", "今天天气很好。", "数学题：十二加七等于十九。", "こんにちは、世界。", "ありがとうございます", "안녕하세요", "机器学习模型", "東京は大きい都市です。"]
EMOJI = ["🙂", "😀", "🚀", "✨", "👍🏽", "❤️", "👨‍👩‍👧", "🎉", "🤖", "🍣"]
# NFC matters: decomposed input must tokenize like the composed form.
NFC_PAIRS = ["café", "cafe\u0301", "naïve", "nai\u0308ve", "Zürich", "Zu\u0308rich", "résumé"]


def make_corpus(seed: int = 20240611) -> list[str]:
    rng = random.Random(seed)
    lines: list[str] = []
    for i in range(4000):
        kind = i % 8
        if kind in (0, 1, 2):
            n = rng.randint(4, 14)
            ws = [rng.choice(WORDS) for _ in range(n)]
            if rng.random() < 0.4:
                ws.insert(rng.randrange(len(ws)), rng.choice(NAMES))
            if rng.random() < 0.4:
                ws.insert(rng.randrange(len(ws)), rng.choice(CONTRACTIONS))
            s = " ".join(ws)
            s = s[0].upper() + s[1:] + rng.choice([".", ".", "!", "?", ";", ",", ":"])
            if rng.random() < 0.2:
                s += " " + rng.choice(NFC_PAIRS)
            lines.append(s)
        elif kind in (3, 4):
            steps = []
            x = rng.randint(0, 99)
            for k in range(rng.randint(1, 4)):
                op = rng.choice(["+", "-", "*", "/"])
                y = rng.randint(1, 99)
                if op == "+":
                    z = x + y
                elif op == "-":
                    z = x - y
                elif op == "*":
                    y = rng.randint(1, 12)
                    z = x * y
                else:
                    y = rng.randint(1, 9)
                    x = x * y
                    z = x // y
                steps.append(f"Step {k + 1}: {x} {op} {y} = {z}")
                x = z
            sep = rng.choice(["\n", "\n", "\r\n", " "])
            lines.append(sep.join(steps) + f"{sep}Answer: {x}" + rng.choice(["", "\n", "\n\n"]))
        elif kind == 5:
            lines.append(rng.choice(CODE))
        elif kind == 6:
            parts = [rng.choice(CJK) for _ in range(rng.randint(1, 3))]
            lines.append("".join(parts) + rng.choice(["", " " + rng.choice(EMOJI)]))
        else:
            ws = [rng.choice(WORDS) for _ in range(rng.randint(2, 6))]
            lines.append(" ".join(ws) + " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3))))
            lines.append("  " + " ".join(ws) + "   \t" + str(rng.randint(0, 10**6)) + "  ")
    return lines


def train_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE(dropout=None, unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(
        vocab_size=BPE_VOCAB,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tok.train_from_iterator(make_corpus(), trainer)
    assert tok.get_vocab_size() == BPE_VOCAB, f"corpus too small: BPE vocab {tok.get_vocab_size()} < {BPE_VOCAB}"
    # Special tokens after the BPE vocabulary, as in Qwen2 (151643..151645).
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    # The Python decoder constructor takes no options; write the fields the way Qwen2's tokenizer.json has them.
    d = json.loads(tok.to_str())
    d["decoder"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    tok = Tokenizer.from_str(json.dumps(d, ensure_ascii=False))
    assert [tok.token_to_id(t) for t in SPECIAL_TOKENS] == [ENDOFTEXT_ID, IM_START_ID, IM_END_ID]
    return tok


def tokenizer_config() -> dict:
    """tokenizer_config.json in the form Qwen2-Instruct ships it (ids adapted to this vocabulary)."""
    added = {
        str(i): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i, t in zip((ENDOFTEXT_ID, IM_START_ID, IM_END_ID), SPECIAL_TOKENS)
    }
    return {
        "add_prefix_space": False,
        "added_tokens_decoder": added,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None,
        "chat_template": QWEN2_INSTRUCT_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": MODEL_MAX_LENGTH,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


# --------------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------------

# Weight initialisation (replaces transformers' init, which gives near-uniform logits). Chosen so that logits
# spread over a few units (top-2 greedy margins mostly > 1e-3) and the layers, not the token's own embedding,
# dominate the residual stream: with tied embeddings a large embedding makes every greedy step repeat the
# previous token, which would make the greedy golden blind to attention bugs.
#   embeddings / untied lm_head  N(0, EMB_STD)
#   linear weights [out, in]     N(0, gain / sqrt(in)), gain per projection in GAINS
#   biases (Qwen2 q/k/v)         N(0, BIAS_STD)
#   RMSNorm weights              1 + N(0, NORM_JITTER); the final norm FINAL_NORM_MEAN + N(0, NORM_JITTER)
EMB_STD = 0.2
BIAS_STD = 0.2
NORM_JITTER = 0.2
FINAL_NORM_MEAN = 2.5
GAINS = {"q_proj": 1.5, "k_proj": 1.5, "v_proj": 1.5, "o_proj": 2.0, "gate_proj": 1.5, "up_proj": 1.5, "down_proj": 2.0}

QWEN2_VOCAB = 640  # padded beyond the tokenizer's 603 ids, as Qwen2 pads 151646 -> 151936
COMMON = dict(max_position_embeddings=MODEL_MAX_LENGTH, bos_token_id=ENDOFTEXT_ID, eos_token_id=IM_END_ID)

BASE_MODELS = {
    "qwen2-gqa-tied": dict(
        arch="qwen2",
        seed=1001,
        long=True,
        config=dict(
            vocab_size=QWEN2_VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=176, tie_word_embeddings=True, rope_theta=1e6, rms_norm_eps=1e-6,
        ),
    ),
    "qwen2-mqa-untied": dict(
        arch="qwen2",
        seed=1002,
        long=False,
        config=dict(
            vocab_size=QWEN2_VOCAB, hidden_size=96, num_hidden_layers=3, num_attention_heads=6, num_key_value_heads=1,
            intermediate_size=200, tie_word_embeddings=False, rope_theta=10000.0, rms_norm_eps=1e-6,
        ),
    ),
    "qwen2-odd": dict(
        arch="qwen2",
        seed=1003,
        long=False,
        config=dict(
            vocab_size=TOKENIZER_SIZE, hidden_size=80, num_hidden_layers=2, num_attention_heads=5, num_key_value_heads=5,
            intermediate_size=136, tie_word_embeddings=True, rope_theta=10000.0, rms_norm_eps=1e-6,
        ),
    ),
    "llama-gqa": dict(
        arch="llama",
        seed=1004,
        long=True,
        config=dict(
            vocab_size=TOKENIZER_SIZE, hidden_size=64, num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
            intermediate_size=160, tie_word_embeddings=False, rms_norm_eps=1e-5, attention_bias=False,
            rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
        ),
    ),
    "llama-headdim": dict(
        arch="llama",
        seed=1005,
        long=False,
        config=dict(
            vocab_size=TOKENIZER_SIZE, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            head_dim=24, intermediate_size=144, tie_word_embeddings=True, rms_norm_eps=1e-5, attention_bias=False,
            rope_parameters={
                "rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                "high_freq_factor": 4.0, "original_max_position_embeddings": 64,
            },
        ),
    ),
}

# (name, base, on-disk dtype, max_shard_size or None). The reference of every model is a float32 computation.
FIXTURE_MODELS = [
    ("qwen2-gqa-tied", "qwen2-gqa-tied", torch.float32, None),
    ("qwen2-mqa-untied", "qwen2-mqa-untied", torch.float32, None),
    ("qwen2-odd", "qwen2-odd", torch.float32, None),
    ("llama-gqa", "llama-gqa", torch.float32, None),
    ("llama-headdim", "llama-headdim", torch.float32, None),
    ("qwen2-gqa-tied-bf16", "qwen2-gqa-tied", torch.bfloat16, None),
    ("qwen2-gqa-tied-f16", "qwen2-gqa-tied", torch.float16, None),
    ("qwen2-mqa-untied-sharded", "qwen2-mqa-untied", torch.float32, "400KB"),
]

GREEDY_STEPS = 24
PROMPT_LENGTHS = [1, 5, 12, 31, 64]
LONG_LENGTH = 400
BASE_TOLERANCE = 1e-4
MIN_ACCEPTED_MARGIN = 1e-4
TEXT_PROMPTS = [
    "Step 1: 12 + 7 = 19\nStep 2: 19 * 3 = 57\nStep 3: 57 - 8 = 49\nAnswer: 49\n",
    "The quick brown fox doesn't stop; it's 3:15 in Zürich. 你好，世界！🙂\n\tdef f(x): return x*x",
]
CHAT_CONVERSATIONS = [
    ("user-only", [{"role": "user", "content": "What is 12 + 7?"}], True),
    (
        "system-user",
        [
            {"role": "system", "content": "You are a terse math tutor."},
            {"role": "user", "content": "Step 1: 3 * 4 = ?"},
        ],
        True,
    ),
    (
        "user-assistant-user",
        [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello. How can I help you today?"},
            {"role": "user", "content": "Count to three:\n1, 2, 3"},
        ],
        True,
    ),
    ("empty-content", [{"role": "user", "content": ""}], True),
    (
        "special-looking-content",
        [{"role": "user", "content": "Print <|im_end|> and <|endoftext|> literally; also <|im_start| and <think>."}],
        True,
    ),
    (
        "no-generation-prompt",
        [
            {"role": "user", "content": "你好 🙂"},
            {"role": "assistant", "content": "你好！"},
        ],
        False,
    ),
]


def make_config(spec: dict):
    kw = dict(COMMON)
    kw.update(spec["config"])
    if spec["arch"] == "qwen2":
        theta = kw.pop("rope_theta")
        kw["rope_parameters"] = {"rope_type": "default", "rope_theta": theta}
        return Qwen2Config(**kw)
    return LlamaConfig(**kw)


def model_class(arch: str):
    return Qwen2ForCausalLM if arch == "qwen2" else LlamaForCausalLM


def build_base_model(name: str):
    spec = BASE_MODELS[name]
    torch.manual_seed(spec["seed"])
    gen = torch.Generator().manual_seed(spec["seed"])
    config = make_config(spec)
    model = model_class(spec["arch"])(config)
    model.set_attn_implementation("eager")
    with torch.no_grad():
        for pname, p in model.named_parameters():  # tied lm_head is the embedding and is listed once
            leaf = pname.split(".")[-2]
            if pname.endswith("embed_tokens.weight") or pname == "lm_head.weight":
                p.copy_(torch.randn(p.shape, generator=gen) * EMB_STD)
            elif pname == "model.norm.weight":
                p.copy_(FINAL_NORM_MEAN + torch.randn(p.shape, generator=gen) * NORM_JITTER)
            elif "norm" in leaf:
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * NORM_JITTER)
            elif pname.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * BIAS_STD)
            elif leaf in GAINS:
                p.copy_(torch.randn(p.shape, generator=gen) * (GAINS[leaf] / math.sqrt(p.shape[1])))
            else:
                raise RuntimeError(f"unexpected parameter {pname}")
    if config.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model.generation_config = generation_config(spec["arch"])
    model.eval()
    return model


def generation_config(arch: str) -> GenerationConfig:
    if arch == "qwen2":
        # As Qwen2-Instruct: eos is a list [<|im_end|>, <|endoftext|>], plus its sampling defaults.
        return GenerationConfig(
            bos_token_id=ENDOFTEXT_ID,
            pad_token_id=ENDOFTEXT_ID,
            eos_token_id=[IM_END_ID, ENDOFTEXT_ID],
            do_sample=True,
            temperature=0.7,
            top_p=0.8,
            top_k=20,
            repetition_penalty=1.05,
        )
    # Llama form: a single int.
    return GenerationConfig(bos_token_id=ENDOFTEXT_ID, pad_token_id=ENDOFTEXT_ID, eos_token_id=IM_END_ID)


def widened_f32_copy(model_lowp, base_model):
    """A float32 model holding the low-precision weights widened to float32 (rotary buffers stay float32)."""
    ref = model_class("qwen2" if isinstance(base_model, Qwen2ForCausalLM) else "llama")(copy.deepcopy(base_model.config))
    ref.set_attn_implementation("eager")
    sd = {k: v.to(torch.float32) for k, v in model_lowp.state_dict().items()}
    ref.load_state_dict(sd)
    ref.eval()
    return ref


# --------------------------------------------------------------------------------------------------
# Exact float64 references
# --------------------------------------------------------------------------------------------------


def rope_inv_freq_f64(cfg: dict) -> np.ndarray:
    rp = cfg["rope_parameters"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = float(rp["rope_theta"])
    inv = 1.0 / base ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    if rp["rope_type"] == "default":
        return inv
    if rp["rope_type"] != "llama3":
        raise NotImplementedError(rp["rope_type"])
    factor, lo, hi = float(rp["factor"]), float(rp["low_freq_factor"]), float(rp["high_freq_factor"])
    old = float(rp["original_max_position_embeddings"])
    low_wavelen, high_wavelen = old / lo, old / hi
    wavelen = 2 * math.pi / inv
    out = np.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (old / wavelen - lo) / (hi - lo)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return np.where(medium, smoothed, out)


def _eager_attention_same_dtype(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    """transformers' eager attention with the softmax in the input dtype (theirs casts to float32)."""
    key = modeling_qwen2.repeat_kv(key, module.num_key_value_groups)
    value = modeling_qwen2.repeat_kv(value, module.num_key_value_groups)
    w = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        w = w + attention_mask
    w = torch.softmax(w, dim=-1)
    out = torch.matmul(w, value).transpose(1, 2).contiguous()
    return out, w


def _rmsnorm_same_dtype(self, x):
    var = x.pow(2).mean(-1, keepdim=True)
    return self.weight * (x * torch.rsqrt(var + self.variance_epsilon))


def _rotary_f64(self, x, position_ids):
    freqs = position_ids[..., None].to(torch.float64) * self.inv_freq_f64
    emb = torch.cat((freqs, freqs), dim=-1)
    return (emb.cos() * self.attention_scaling).to(x.dtype), (emb.sin() * self.attention_scaling).to(x.dtype)


@contextlib.contextmanager
def same_dtype_eager_attention():
    saved = modeling_qwen2.eager_attention_forward, modeling_llama.eager_attention_forward
    modeling_qwen2.eager_attention_forward = _eager_attention_same_dtype
    modeling_llama.eager_attention_forward = _eager_attention_same_dtype
    try:
        yield
    finally:
        modeling_qwen2.eager_attention_forward, modeling_llama.eager_attention_forward = saved


def exact_f64_model(model_f32):
    m = copy.deepcopy(model_f32).double()
    m.set_attn_implementation("eager")
    cfg = m.config.to_dict()
    for mod in m.modules():
        if isinstance(mod, (modeling_qwen2.Qwen2RMSNorm, modeling_llama.LlamaRMSNorm)):
            mod.forward = types.MethodType(_rmsnorm_same_dtype, mod)
        if isinstance(mod, (modeling_qwen2.Qwen2RotaryEmbedding, modeling_llama.LlamaRotaryEmbedding)):
            assert mod.attention_scaling == 1.0
            exact = rope_inv_freq_f64(cfg)
            hf = mod.original_inv_freq.double().numpy()
            assert np.allclose(hf, exact, rtol=1e-6, atol=0), "HF inv_freq differs from the float64 formula"
            mod.inv_freq_f64 = torch.from_numpy(exact)
            mod.forward = types.MethodType(_rotary_f64, mod)
    m.eval()
    return m


def numpy_reference_f64(state: dict, cfg: dict, ids: list[int]) -> np.ndarray:
    """Independent float64 implementation of Qwen2/Llama causal LM logits (all prompt positions)."""
    W = {k: v.detach().to(torch.float64).numpy() for k, v in state.items()}
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    T = len(ids)

    def rms(x, w):
        return w * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))

    def lin(x, name):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if name + ".bias" in W else y

    inv = rope_inv_freq_f64(cfg)
    ang = np.arange(T, dtype=np.float64)[:, None] * inv[None, :]
    cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))

    def rope(x):  # x: [heads, T, hd]
        x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
        return x * cos + np.concatenate([-x2, x1], -1) * sin

    x = W["model.embed_tokens.weight"][ids]
    causal = np.triu(np.full((T, T), -np.inf), 1)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms(x, W[p + "input_layernorm.weight"])
        q = rope(lin(h, p + "self_attn.q_proj").reshape(T, H, hd).transpose(1, 0, 2))
        k = rope(lin(h, p + "self_attn.k_proj").reshape(T, KV, hd).transpose(1, 0, 2))
        v = lin(h, p + "self_attn.v_proj").reshape(T, KV, hd).transpose(1, 0, 2)
        group = H // KV
        k, v = np.repeat(k, group, axis=0), np.repeat(v, group, axis=0)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + causal
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(T, H * hd)
        x = x + lin(a, p + "self_attn.o_proj")
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        g = lin(h, p + "mlp.gate_proj")
        x = x + lin((g / (1 + np.exp(-g))) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms(x, W["model.norm.weight"])
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    return x @ head.T


# --------------------------------------------------------------------------------------------------
# Forward passes and greedy decoding
# --------------------------------------------------------------------------------------------------


@torch.no_grad()
def logits_of(model, ids: list[int]) -> torch.Tensor:
    out = model(input_ids=torch.tensor([ids], dtype=torch.long), use_cache=False)
    return out.logits[0]


@torch.no_grad()
def greedy(model, ids: list[int], steps: int = GREEDY_STEPS):
    """Argmax loop, one full forward (no cache) per step; EOS ignored. Returns ids and top1-top2 margins."""
    seq = list(ids)
    out, margins = [], []
    for _ in range(steps):
        last = logits_of(model, seq)[-1]
        top = torch.topk(last, 2)
        nxt = int(torch.argmax(last))
        assert nxt == int(top.indices[0])
        margins.append(float(top.values[0] - top.values[1]))
        out.append(nxt)
        seq.append(nxt)
    return out, margins


@torch.no_grad()
def greedy_with_cache(model, ids: list[int], steps: int = GREEDY_STEPS) -> list[int]:
    """Same argmax loop through transformers' KV cache (a cross-check of the golden greedy path)."""
    out = model(input_ids=torch.tensor([ids]), use_cache=True)
    res = []
    for _ in range(steps):
        nxt = int(torch.argmax(out.logits[0, -1]))
        res.append(nxt)
        out = model(input_ids=torch.tensor([[nxt]]), cache=out.cache, use_cache=True)
    return res


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def compact_json(obj) -> str:
    """Indented JSON with lists of numbers kept on one line."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)

    def join(m):
        items = [s.strip() for s in m.group(1).split(",")]
        return "[" + ", ".join(items) + "]"

    return re.sub(r"\[\s*((?:-?[0-9][0-9.eE+-]*\s*,\s*)*-?[0-9][0-9.eE+-]*)\s*\]", join, text) + "\n"


def write_tokenizer_files(folder: Path, tok: Tokenizer):
    (folder / "tokenizer.json").write_text(tok.to_str(pretty=True) + "\n", encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def human(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.2f} MiB"


def versions() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
        "attn_implementation": "eager",
    }


def prompts() -> list[dict]:
    rng = np.random.default_rng(777)
    cases = [
        {"name": f"ids-{n}", "prompt_ids": [int(i) for i in rng.integers(0, BPE_VOCAB, size=n)], "text": None}
        for n in PROMPT_LENGTHS
    ]
    return cases


def long_prompt() -> dict:
    rng = np.random.default_rng(4242)
    ids = [int(i) for i in rng.integers(0, BPE_VOCAB, size=LONG_LENGTH)]
    return {"name": f"long-{LONG_LENGTH}", "prompt_ids": ids, "text": None}


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def check_tokenizer(folder: Path, tok: Tokenizer) -> None:
    hf = AutoTokenizer.from_pretrained(folder)
    samples = TEXT_PROMPTS + make_corpus(seed=99)[:300] + ["", " ", "\n\n", "  a  b  ", "<|im_start|>user\nhi<|im_end|>"]
    for s in samples:
        a = tok.encode(s, add_special_tokens=False).ids
        b = hf.encode(s, add_special_tokens=False)
        assert a == b, f"tokenizers and transformers disagree on {s!r}: {a} vs {b}"
        assert tok.decode(a, skip_special_tokens=False) == unicodedata.normalize("NFC", s), f"decode round trip {s!r}"
    assert hf.eos_token == "<|im_end|>" and hf.pad_token == "<|endoftext|>" and hf.bos_token is None
    assert len(hf) == TOKENIZER_SIZE


def chat_cases(folder: Path, tok: Tokenizer) -> list[dict]:
    hf = AutoTokenizer.from_pretrained(folder)
    res = []
    for name, messages, agp in CHAT_CONVERSATIONS:
        text = hf.apply_chat_template(messages, add_generation_prompt=agp, tokenize=False)
        enc = hf.apply_chat_template(messages, add_generation_prompt=agp, tokenize=True)
        ids = list(enc["input_ids"] if hasattr(enc, "keys") else enc)
        assert ids == tok.encode(text, add_special_tokens=False).ids == hf.encode(text, add_special_tokens=False)
        if messages[0]["role"] != "system":
            assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")
        res.append({"name": name, "messages": messages, "add_generation_prompt": agp, "text": text, "ids": ids})
    return res


def main() -> int:
    if not __debug__:
        raise SystemExit("run without -O: the fixture checks are assertions")
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    ver = versions()
    print(f"versions: {ver}")

    tok = train_tokenizer()
    text_cases = [
        {"name": f"text-{i}", "prompt_ids": tok.encode(t, add_special_tokens=False).ids, "text": t}
        for i, t in enumerate(TEXT_PROMPTS)
    ]

    base_models = {name: build_base_model(name) for name in BASE_MODELS}
    for name, m in base_models.items():
        cfg = m.config.to_dict()
        if cfg["rope_parameters"]["rope_type"] == "llama3":
            # the llama3 scaling must matter at these small dims: some frequencies kept, some smoothed, some / factor
            plain = rope_inv_freq_f64({**cfg, "rope_parameters": {"rope_type": "default", "rope_theta": cfg["rope_parameters"]["rope_theta"]}})
            ratio = rope_inv_freq_f64(cfg) / plain
            factor = cfg["rope_parameters"]["factor"]
            assert (ratio == 1).any() and np.isclose(ratio, 1 / factor).any(), ratio
            assert ((ratio < 1) & (ratio > 1 / factor + 1e-9)).any(), ratio
    summary = []
    recorded_f32 = {}  # name -> {case: f32 logits} for the sharded/single-file comparison

    for name, base_name, disk_dtype, shard in FIXTURE_MODELS:
        spec = BASE_MODELS[base_name]
        base = base_models[base_name]
        folder = MODELS_DIR / name
        gdir = GOLDEN_DIR / name
        for d in (folder, gdir):
            if d.exists():
                shutil.rmtree(d)
        folder.mkdir(parents=True)
        gdir.mkdir(parents=True)

        # -- save the checkpoint exactly as transformers writes it
        if disk_dtype == torch.float32:
            to_save, model = base, base
        else:
            to_save = copy.deepcopy(base).to(disk_dtype)
            model = widened_f32_copy(to_save, base)  # reference: low-precision weights widened, f32 compute
        kwargs = {"safe_serialization": True}
        if shard:
            kwargs["max_shard_size"] = shard
        to_save.save_pretrained(folder, **kwargs)
        write_tokenizer_files(folder, tok)
        if shard:
            n_shards = len(list(folder.glob("model-*-of-*.safetensors")))
            assert n_shards >= 3 and (folder / "model.safetensors.index.json").exists(), n_shards
        config_written = json.loads((folder / "config.json").read_text())

        # -- the saved folder, reloaded the ordinary way, in float32
        reloaded = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
        reloaded.eval()
        ref_state, disk_state = model.state_dict(), reloaded.state_dict()
        assert ref_state.keys() == disk_state.keys()
        assert all(torch.equal(ref_state[k], disk_state[k]) for k in ref_state), f"{name}: weights on disk differ"
        assert {k: v for k, v in reloaded.config.to_dict().items() if k != "_name_or_path"} == {
            k: v for k, v in model.config.to_dict().items() if k != "_name_or_path"
        }, f"{name}: config on disk differs"
        # Loaded tensors sit in memory-mapped storage at unaligned addresses, which makes the BLAS take other
        # code paths (float32 results differ by ~1e-6). A copy with fresh (aligned) storage must be bit-identical.
        aligned = copy.deepcopy(reloaded)
        with torch.no_grad():
            for p in aligned.parameters():
                p.data = p.data.clone()
        sdpa = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        sdpa.eval()
        default_attn = sdpa.config._attn_implementation
        exact = exact_f64_model(model)
        naive64 = copy.deepcopy(model).double()
        cfg_dict = reloaded.config.to_dict()
        if name == "qwen2-gqa-tied":
            check_tokenizer(folder, tok)

        cases_in = prompts() + text_cases
        if spec["long"] and name == base_name:
            cases_in.append(long_prompt())
        chats = chat_cases(folder, tok) if name == "qwen2-gqa-tied" else []
        if chats:
            cases_in.append({"name": "chat-0", "prompt_ids": chats[2]["ids"], "text": chats[2]["text"]})

        V = model.config.vocab_size
        out_cases, sdpa_diff, naive_err, np_vs_hf64, mmap_diff = [], 0.0, 0.0, 0.0, 0.0
        for c in cases_in:
            ids = c["prompt_ids"]
            assert all(0 <= i < V for i in ids)
            f32 = logits_of(model, ids)
            # reload check: the folder on disk gives bit-identical float32 logits
            assert torch.equal(f32, logits_of(aligned, ids)), f"{name}/{c['name']}: reloaded folder differs"
            mmap_diff = max(mmap_diff, float((logits_of(reloaded, ids) - f32).abs().max()))
            sdpa_diff = max(sdpa_diff, float((logits_of(sdpa, ids) - f32).abs().max()))
            with same_dtype_eager_attention():
                f64 = logits_of(exact, ids)
            naive_err = max(naive_err, float((logits_of(naive64, ids) - f64).abs().max()))
            ref_np = numpy_reference_f64(disk_state, cfg_dict, ids)
            np_vs_hf64 = max(np_vs_hf64, float(np.abs(ref_np - f64.numpy()).max()))
            assert np_vs_hf64 < 1e-9, f"{name}/{c['name']}: numpy f64 vs transformers f64 differ by {np_vs_hf64}"
            err = float((f32.double() - f64).abs().max())
            g_ids, margins = greedy(model, ids)
            with same_dtype_eager_attention():
                g64, _ = greedy(exact, ids)
            assert g64 == g_ids, f"{name}/{c['name']}: float64 greedy path differs from float32"
            assert greedy_with_cache(reloaded, ids) == g_ids, f"{name}/{c['name']}: cached greedy differs"
            is_long = c["name"].startswith("long-")
            stored = (f64.numpy() if is_long else f32.numpy()).astype(np.float32)
            rel = f"{name}/{c['name']}.npy"
            np.save(GOLDEN_DIR / rel, stored)
            recorded_f32.setdefault(name, {})[c["name"]] = f32
            out_cases.append(
                {
                    "name": c["name"],
                    "prompt_ids": ids,
                    "text": c["text"],
                    "logits": rel,
                    "logits_shape": list(stored.shape),
                    "logits_dtype": "float32",
                    "logits_reference": "float64" if is_long else "float32",
                    "tolerance": max(BASE_TOLERANCE, 3 * err),
                    "reference_f32_error": err,
                    "greedy_ids": g_ids,
                    "greedy_min_margin": min(margins),
                    "greedy_margins": margins,
                }
            )
            if min(margins) < MIN_ACCEPTED_MARGIN:
                raise SystemExit(f"{name}/{c['name']}: greedy margin {min(margins):.3g} < {MIN_ACCEPTED_MARGIN}; change the seed")

        golden = {
            "model": name,
            "model_dir": f"models/{name}",
            "architecture": config_written["architectures"][0],
            "checkpoint_dtype": str(disk_dtype).removeprefix("torch."),
            "compute_dtype": "float32",
            "seed": spec["seed"],
            "versions": ver,
            "attention": {
                "used": "eager",
                "transformers_default": default_attn,
                "max_abs_diff_default_vs_eager": sdpa_diff,
            },
            "vocab_size": V,
            "tokenizer_size": TOKENIZER_SIZE,
            "special_token_ids": {"<|endoftext|>": ENDOFTEXT_ID, "<|im_start|>": IM_START_ID, "<|im_end|>": IM_END_ID},
            "greedy_steps": GREEDY_STEPS,
            "cases": out_cases,
        }
        if chats:
            golden["chat_cases"] = chats
        (GOLDEN_DIR / f"{name}.json").write_text(compact_json(golden), encoding="utf-8")

        n_params = sum(p.numel() for p in model.parameters())
        summary.append(
            {
                "name": name,
                "params": n_params,
                "model_bytes": dir_size(folder),
                "golden_bytes": dir_size(gdir) + (GOLDEN_DIR / f"{name}.json").stat().st_size,
                "files": sorted(f.name for f in folder.iterdir()),
                "min_margin": min(c["greedy_min_margin"] for c in out_cases),
                "max_f32_error": max(c["reference_f32_error"] for c in out_cases),
                "long_f32_error": [c["reference_f32_error"] for c in out_cases if c["name"].startswith("long-")],
                "sdpa_diff": sdpa_diff,
                "mmap_diff": mmap_diff,
                "naive_double_error": naive_err,
                "numpy_vs_hf64": np_vs_hf64,
                "config": config_written,
            }
        )
        print(f"done {name}")

    # sharded and single-file copies of the same weights give identical logits
    for a, b in (("qwen2-mqa-untied", "qwen2-mqa-untied-sharded"),):
        for case, la in recorded_f32[a].items():
            assert torch.equal(la, recorded_f32[b][case]), f"{a} vs {b} differ on {case}"
        ra = AutoModelForCausalLM.from_pretrained(MODELS_DIR / a, dtype=torch.float32, attn_implementation="eager")
        rb = AutoModelForCausalLM.from_pretrained(MODELS_DIR / b, dtype=torch.float32, attn_implementation="eager")
        ids = prompts()[-1]["prompt_ids"]
        assert torch.equal(logits_of(ra, ids), logits_of(rb, ids))

    write_readme(summary, ver)
    print_summary(summary)
    return 0


def print_summary(summary: list[dict]) -> None:
    print()
    hdr = f"{'model':28} {'params':>8} {'model dir':>11} {'golden':>11} {'min margin':>11} {'max f32 err':>11} {'long f32 err':>12} {'sdpa-eager':>10} {'naive f64':>10}"
    print(hdr)
    for s in summary:
        long = ", ".join(f"{e:.2e}" for e in s["long_f32_error"]) or "-"
        print(
            f"{s['name']:28} {s['params']:>8} {human(s['model_bytes']):>11} {human(s['golden_bytes']):>11} "
            f"{s['min_margin']:>11.4g} {s['max_f32_error']:>11.2e} {long:>12} {s['sdpa_diff']:>10.2e} {s['naive_double_error']:>10.2e}"
        )
    total = dir_size(MODELS_DIR) + dir_size(GOLDEN_DIR)
    print(f"total: models {human(dir_size(MODELS_DIR))}, golden {human(dir_size(GOLDEN_DIR))}, all {human(total)}")
    for s in summary:
        print(f"  {s['name']}: {', '.join(s['files'])}")


DESCRIPTIONS = {
    "qwen2-gqa-tied": "Qwen2, hidden 64, 2 layers, 4 heads / 2 KV heads (GQA), head_dim 16, intermediate 176, tied embeddings, rope_theta 1e6, vocab 640 (padded past the tokenizer's 603)",
    "qwen2-mqa-untied": "Qwen2, hidden 96, 3 layers, 6 heads / 1 KV head (MQA), head_dim 16, intermediate 200, untied lm_head, rope_theta 1e4, vocab 640",
    "qwen2-odd": "Qwen2, hidden 80, 2 layers, 5 heads / 5 KV heads (MHA), head_dim 16, intermediate 136, tied, vocab 603",
    "llama-gqa": "Llama, hidden 64, 2 layers, 8 heads / 2 KV heads, head_dim 8, intermediate 160, untied, rope_theta 5e5, no biases, rms_norm_eps 1e-5, vocab 603",
    "llama-headdim": "Llama, hidden 64, 2 layers, 4 heads / 2 KV heads, explicit head_dim 24 (q_proj 64->96), intermediate 144, tied, llama3 RoPE scaling (factor 8, low 1, high 4, original_max_position_embeddings 64), vocab 603",
    "qwen2-gqa-tied-bf16": "the weights of qwen2-gqa-tied rounded to bfloat16 on disk; references computed in float32 from the widened weights",
    "qwen2-gqa-tied-f16": "the weights of qwen2-gqa-tied rounded to float16 on disk; references computed in float32 from the widened weights",
    "qwen2-mqa-untied-sharded": "the same weights as qwen2-mqa-untied saved in 4 shards with model.safetensors.index.json (logits identical)",
}


def write_readme(summary: list[dict], ver: dict) -> None:
    rows = "\n".join(
        f"| `{s['name']}` | {DESCRIPTIONS[s['name']]} | {s['params']:,} | {human(s['model_bytes'])} | {human(s['golden_bytes'])} | {s['min_margin']:.2g} |"
        for s in summary
    )
    total = dir_size(MODELS_DIR) + dir_size(GOLDEN_DIR)
    v = ", ".join(f"{k} {ver[k]}" for k in ("python", "torch", "transformers", "tokenizers", "safetensors", "numpy"))
    text = f"""# Test fixtures: tiny checkpoints and golden references

Generated by `scripts/make_model_fixtures.py` (Python is used for fixture generation only). Regenerate
everything in place, deterministically (fixed seeds, one thread):

    python3 scripts/make_model_fixtures.py

Generated with {v}; attention `eager`.
Do not edit the files by hand; change the script and regenerate.

## models/

Each folder is what `save_pretrained(..., safe_serialization=True)` writes (`config.json`,
`generation_config.json`, `model.safetensors` or shards + `model.safetensors.index.json`), plus the same
tokenizer files in every folder. Weights are random (seeded), re-initialised so that logits are well spread.

| fixture | what | params | model dir | golden | min greedy margin |
| --- | --- | ---: | ---: | ---: | ---: |
{rows}

Total committed size: {human(total)}.

Tokenizer (`tokenizer.json`, `tokenizer_config.json`): byte-level BPE trained here on a generated corpus
(English, arithmetic, code, CJK, emoji), {BPE_VOCAB} BPE tokens + `<|endoftext|>` {ENDOFTEXT_ID},
`<|im_start|>` {IM_START_ID}, `<|im_end|>` {IM_END_ID}, in the Qwen2 configuration (NFC; Split on the Qwen2
regex, Isolated; ByteLevel without prefix space or regex; ByteLevel decoder and post-processor).
`tokenizer_config.json` is shaped like Qwen2-Instruct's, with its chat template (default system message
"You are a helpful assistant."). `generation_config.json`: Qwen2 models have `eos_token_id`
[{IM_END_ID}, {ENDOFTEXT_ID}] (a list), Llama models {IM_END_ID} (an int).

## golden/

`golden/<name>.json`, one per model, with logits in `golden/<name>/<case>.npy` (paths in the JSON are relative
to `golden/`; `.npy` version 1.0, `<f4`, C order, shape `[prompt length, vocab_size]`).

- `cases[]`: `name`, `prompt_ids`, `text` (null, or the string whose tokenizer ids, without special tokens,
  are `prompt_ids`), `logits`, `logits_shape`, `logits_dtype` ("float32": the file's dtype),
  `logits_reference`, `tolerance`, `reference_f32_error`, `greedy_ids`, `greedy_min_margin`,
  `greedy_margins` (top1 - top2 logit at each step). Top level: `model`, `model_dir` (relative to
  `Tests/Fixtures/`), `architecture`, `checkpoint_dtype`, `compute_dtype`, `seed`, `versions`, `attention`,
  `vocab_size` (logits width, from config.json), `tokenizer_size`, `special_token_ids`, `greedy_steps`.
- `greedy_ids`: {GREEDY_STEPS} plain argmax steps from the float32 model. EOS does not stop them and nothing
  from generation_config.json applies (Qwen2 fixtures carry Qwen2-Instruct's sampling defaults, including
  repetition_penalty 1.05, which would change the path). They may contain special ids, and in the Qwen2
  fixtures with vocab 640, ids of padded rows (>= {TOKENIZER_SIZE}) that the tokenizer cannot decode.
- Cases: `ids-1`, `ids-5`, `ids-12`, `ids-31`, `ids-64` (random ids below {BPE_VOCAB}, same for every
  model), `text-0` (digits and newlines), `text-1` (contractions, CJK, emoji, tab), `long-{LONG_LENGTH}` (only
  qwen2-gqa-tied and llama-gqa), `chat-0` (qwen2-gqa-tied: a rendered chat).
- `logits_reference` "float32": transformers' float32 forward over the whole prompt (eager attention,
  use_cache False). "float64" (the long cases): an exact float64 forward, stored rounded to float32.
- `reference_f32_error`: max |float32 logits - exact float64 logits| over all positions of the prompt;
  `tolerance` = max(1e-4, 3 x that), an absolute bound per logit.
- The exact float64 forward is transformers' model in float64 with its float32 casts removed (RMSNorm input,
  rotary angles and inverse frequencies, eager softmax), checked against an independent numpy
  implementation. Plain `model.double()` is not a float64 reference: it still rounds those to float32.
- `chat_cases[]` (qwen2-gqa-tied only): `messages`, `add_generation_prompt`, `text`
  (`apply_chat_template(..., tokenize=False)`), `ids`.
- `attention`: the implementation used (eager), transformers' default (sdpa) and their largest difference.

Checks the script makes before it finishes: each folder reloaded with `AutoModelForCausalLM.from_pretrained`
has the same weights and config and gives bit-identical float32 logits (on aligned copies of the
memory-mapped tensors; as mapped they differ by ~1e-6 because the BLAS takes other code paths); the sharded
and single-file copies give identical logits; greedy paths agree with transformers' KV-cache decoding and
with the float64 model; `tokenizers` and `AutoTokenizer` agree; every greedy margin is at least
{MIN_ACCEPTED_MARGIN:g}.
"""
    (FIXTURES / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
