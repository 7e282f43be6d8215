#!/usr/bin/env python3
"""Reference for TokenAdvantages: Hugging Face tokenizers' char_to_token, the offset mapping SPARK's
reward manager uses, on responses whose step ends fall in ASCII, in multi-byte characters and in
characters byte-level BPE splits across tokens. Writes token_placement.json next to this script.

Run: python3 Tests/RLTests/make_token_placement_fixtures.py (needs `pip install tokenizers`).
"""

import json
import os
import re

from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER = os.path.join(HERE, "..", "Fixtures", "tokenizers", "qwen-real", "tokenizer.json")

RESPONSES = [
    "<think>\n<step>Step 1: 12 + 7 = 19</step>\n<step>Step 2: 19 * 2 = 38</step>\n</think>\n<answer>\\boxed{38}</answer>",
    "<think>\n<step>Step 1: the café sells 3 crêpes</step>\n<step>Step 2: 3 × 4 € = 12 €</step>\n</think>\n<answer>\\boxed{12}</answer>",
    "<think>\n<step>Step 1: 𝟙𝟚 apples 🍎🍎</step>\n<step>Step 2: 数学 is 2 characters</step>\n<step>Step 3: 😀</step>\n</think>\n<answer>\\boxed{2}</answer>",
]


def step_spans(text):
    """Character spans of `<step>...</step>` blocks, as the server's PolicySteps reports them."""
    return [[match.start(), match.end()] for match in re.finditer(r"<step>.*?</step>", text, re.DOTALL)]


def main():
    tokenizer = Tokenizer.from_file(TOKENIZER)
    cases = []
    for text in RESPONSES:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        spans = step_spans(text)
        cases.append({
            "text": text,
            "ids": encoding.ids,
            "spans": spans,
            "end_tokens": [encoding.char_to_token(end - 1) for _, end in spans],
            # Every character's token, for the characters inside split ones too.
            "character_tokens": [encoding.char_to_token(index) for index in range(len(text))],
        })
    with open(os.path.join(HERE, "token_placement.json"), "w") as file:
        json.dump(cases, file, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
