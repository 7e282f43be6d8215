#!/usr/bin/env python3
"""Writes response_corpus.json: policy responses and what the SPARK release makes of them.

Expectations come from Python's `re` with the release's exact code
(salman-lui/mixed_reward, run_scripts/math_gen_rm_reward_function.py): `format_validity` (broken into its
three counts), `extract_valid_answer`, and the primary step pattern of
`compute_reward_prm_cot_hybrid_apply_step_global_stat_tango` with its `(match.start(), match.end())` spans.
Spans are Python `str` indices (code points); their UTF-8 byte offsets are stored too.

Run from anywhere: python3 Tests/RewardTests/make_response_corpus.py
"""

import json
import os
import re
import sys

STEP_TAG = r"<step[^>]*>(.*?)(?=<step[^>]*>|</think>|</answer>|$)"


def boxed_count(text):
    return sum(len(re.findall(p, text)) for p in [r"\\\\boxed\{.*?\}", r"\\boxed\{.*?\}"])


def format_validity(text):
    if boxed_count(text) != 1:
        return False
    if len(re.findall(r"<answer>.*?</answer>", text, re.DOTALL)) != 1:
        return False
    return re.search(r"</answer>\s*\S", text) is None


def extract_valid_answer(text):
    match = re.search(r"(.*</answer>)", text, re.DOTALL)
    return match.group(1).strip() if match else text


def read(text):
    after = re.search(r"</answer>\s*\S", text)
    spans = [[m.start(), m.end()] for m in re.finditer(STEP_TAG, text, re.DOTALL | re.IGNORECASE)]
    return {
        "boxed_count": boxed_count(text),
        "answer_count": len(re.findall(r"<answer>.*?</answer>", text, re.DOTALL)),
        "text_after_answer_at": after.end() - 1 if after else None,
        "valid": format_validity(text),
        "truncated": extract_valid_answer(text),
        "step_spans": spans,
        "step_spans_utf8": [[len(text[:a].encode()), len(text[:b].encode())] for a, b in spans],
    }


def response(steps, answer="\\boxed{5}", after=""):
    body = "".join(f"<step>{s}</step>\n" for s in steps)
    return f"<think>\n{body}</think>\n<answer>The answer is {answer}</answer>{after}"


THREE = ["Write 3x + 5 = 20.", "Subtract 5: 3x = 15.", "Divide by 3: x = 5."]

CASES = [
    ("valid_three_steps", response(THREE)),
    ("valid_trailing_whitespace", response(THREE, after="\n\n  \t\n")),
    ("appended_solution", response(THREE, after="\n\nProblem 2: What is 2+2?\n<step>2+2=4</step>\n\\boxed{4}")),
    ("appended_period", response(THREE, after=".")),
    ("two_boxed_in_answer", response(THREE, answer="\\boxed{5} or \\boxed{-5}")),
    ("boxed_in_thinking_and_answer", response(["Guess \\boxed{4}.", "Check: x = 5."], answer="\\boxed{5}")),
    ("double_backslash_boxed", response(THREE, answer="\\\\boxed{5}")),
    ("boxed_brace_on_next_line", response(THREE, answer="\\boxed{\n5}")),
    ("boxed_nested_braces", response(THREE, answer="\\boxed{\\frac{1}{2}}")),
    ("boxed_inside_boxed", response(THREE, answer="\\boxed{\\boxed{1}}")),
    ("boxed_missing", response(THREE, answer="5")),
    ("two_answer_blocks", response(THREE, after="\n<answer>5</answer>")),
    ("nested_answer_blocks", "<think><step>x = 5</step></think><answer><answer>\\boxed{5}</answer></answer>"),
    ("answer_never_closed", "<think><step>x = 5</step></think>\n<answer>\\boxed{5}"),
    ("closing_answer_without_opening", "<think><step>x = 5</step></think>\n\\boxed{5}</answer>"),
    ("uppercase_answer_tags", "<think><step>x = 5</step></think>\n<ANSWER>\\boxed{5}</ANSWER>"),
    ("step_tags_with_attributes", "<think>\n<step id=\"1\">Add.</step>\n<step n=2>Divide.</step>\n</think>\n"
                                  "<answer>\\boxed{5}</answer>"),
    ("step_tag_case_variants", "<think>\n<Step>One.</Step>\n<STEP>Two.</STEP>\n<sTeP>Three.</sTeP>\n</think>\n"
                               "<answer>\\boxed{5}</answer>"),
    ("step_tags_never_closed", "<think>\n<step>One.\n<step>Two.\n<step>Three.\n</think>\n<answer>\\boxed{5}</answer>"),
    ("no_think_close_steps_run_to_answer", "<think>\n<step>One.</step>\n<step>Two.</step>\n<answer>\\boxed{5}</answer>"),
    ("truncated_mid_step_final_newline", "<think>\n<step>One.</step>\n<step>Two, and then\n"),
    ("truncated_mid_step_two_newlines", "<think>\n<step>One.</step>\n<step>Two\n\n"),
    ("astral_and_emoji", response(["Let \U0001d465 = 5 \U0001f642.", "Caf\u00e9 na\u00efve \u4e2d\u6587.", "Done \u2705."],
                                  answer="\\boxed{\U0001d465=5}")),
    ("crlf_line_endings", response(THREE).replace("\n", "\r\n")),
    ("steps_like_tag", "<think>\n<steps>Plan.</steps>\n<stepwise>Go.</stepwise>\n</think>\n<answer>\\boxed{1}</answer>"),
    ("step_tag_without_closing_bracket", "<think>\n<step One.\n<step>Two.</step>\n</think>\n<answer>\\boxed{2}</answer>"),
    ("steps_inside_answer", "<think>\n<step>One.</step>\n</think>\n<answer><step>Two.</step>\\boxed{2}</answer>"),
    ("one_step", response(["x = 5."])),
    ("twenty_five_steps", response([f"Add 1 to get {k}." for k in range(1, 26)], answer="\\boxed{25}")),
    ("no_step_tags", "<think>\nStep 1: Add.\nStep 2: Divide.\n</think>\n<answer>\\boxed{5}</answer>"),
    ("empty", ""),
    ("preamble_before_first_step", "<think>\nLet me think.\n<step>One.</step>\n</think>\n<answer>\\boxed{1}</answer>"),
    ("uppercase_think_close", "<think>\n<step>One.</step>\n<step>Two.</step>\n</THINK>\n<answer>\\boxed{2}</answer>"),
]


def main():
    names = [name for name, _ in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    corpus = [{"name": name, "response": text, **read(text)} for name, text in CASES]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "response_corpus.json")
    with open(path, "w") as file:
        json.dump({"generator": "make_response_corpus.py", "python": sys.version.split()[0], "cases": corpus}, file,
                  indent=1)
        file.write("\n")
    print(f"{len(corpus)} cases -> {path}")


if __name__ == "__main__":
    main()
