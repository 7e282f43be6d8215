#!/usr/bin/env python3
"""Writes reply_corpus.json: reward-model replies and what the SPARK release reads from them.

Expectations come from Python's `re` with the release's exact patterns and calls
(salman-lui/mixed_reward, run_scripts/math_gen_rm_reward_function.py: compute_reward_orm,
compute_reward_prm, compute_reward_prm_cot_hybrid_step_avg_format). The one rule not in that file is
thinking: the project keeps the text after the first `</think>`, and reads nothing from a reply that opens
`<think>` and never closes it (see Sources/Reward/RewardModelReply.swift); `visible_text` below is that
rule, and everything after it is the release's code.

Run from anywhere: python3 Tests/RewardTests/make_reply_corpus.py
"""

import json
import os
import re
import sys

PRM_STEP = r"Step\s+\d+:\s*(Correct|Incorrect)"
PRM_COT_STEP = r"\*\*This step is (correct|incorrect)\.\*\*"
OUTCOME = [
    r"\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*",
    r"Verification:\s*Is the answer correct.*?\?\s*(Yes|No)",
    r"Is the answer correct.*?\?\s*(Yes|No)",
    r"\?\s*(Yes|No)\s*\*\*\s*$",
    r"\?\s*(Yes|No)\s*$",
]


def visible_text(reply):
    end = reply.find("</think>")
    if end >= 0:
        return reply[end + len("</think>"):], "closed"
    if reply.lstrip().startswith("<think>"):
        return "", "unclosed"
    return reply, "absent"


def read(variant, reply):
    text, thinking = visible_text(reply)
    if variant == "orm":
        clean = text.strip().lower()
        outcome = "yes" if clean == "yes" else "no" if clean == "no" else None
        return {"thinking": thinking, "outcome": outcome, "outcome_pattern": None, "steps": []}
    pattern = PRM_STEP if variant == "prm" else PRM_COT_STEP
    steps = ["correct" if m.lower() == "correct" else "incorrect" for m in re.findall(pattern, text, re.IGNORECASE)]
    outcome, outcome_pattern = None, None
    for index, p in enumerate(OUTCOME):
        match = re.search(p, text, re.IGNORECASE)
        if match:
            answer = match.group(1).strip().lower()
            outcome = "yes" if answer == "yes" else "no" if answer == "no" else None
            outcome_pattern = index + 1
            break
    return {"thinking": thinking, "outcome": outcome, "outcome_pattern": outcome_pattern, "steps": steps}


def cot_step(k, title, analysis, verdict):
    return f"## Step {k}: {title}\n{analysis}\n\n**This step is {verdict}.**\n\n"


CLEAN_COT = (
    cot_step(1, "Set up the equation", "The student writes 3x + 5 = 20, which matches the problem statement.", "correct")
    + cot_step(2, "Isolate x", "Subtracting 5 from both sides gives 3x = 15. This is right.", "correct")
    + cot_step(3, "Divide by 3", "x = 5, and substituting back gives 3(5) + 5 = 20.", "correct")
    + "**Verification: Is the answer correct (Yes/No)? Yes**"
)
PROPAGATED_COT = (
    "Teacher Verification:\n\n"
    + cot_step(1, "Interest rate per quarter", "The annual rate 8% divided by 4 gives 2% per quarter. Correct.", "correct")
    + cot_step(2, "Number of periods", "Over 5 years there are 20 quarters; the student uses 20.", "correct")
    + cot_step(3, "Compound factor", "The student computes 1.02^20 = 1.4568 instead of 1.4859. This is a "
               "calculation error.", "incorrect")
    + cot_step(4, "Final amount", "Because it builds on the wrong factor from Step 3, the amount $43,704 is "
               "also wrong.", "incorrect")
    + "**Verification: Is the answer correct (Yes/No)? No**"
)

CASES = [
    # --- PRM-CoT: well-formed ---
    ("cot_clean_all_correct", "prm_cot", CLEAN_COT),
    ("cot_error_propagates", "prm_cot", PROPAGATED_COT),
    ("cot_trailing_newlines", "prm_cot", CLEAN_COT + "\n\n"),
    ("cot_crlf_line_endings", "prm_cot", CLEAN_COT.replace("\n", "\r\n") + "\r\n"),
    ("cot_verdict_without_bold", "prm_cot", CLEAN_COT.replace("**Verification: Is the answer correct (Yes/No)? Yes**",
                                                              "Verification: Is the answer correct (Yes/No)? Yes")),
    ("cot_verdict_on_next_line", "prm_cot", PROPAGATED_COT.replace("(Yes/No)? No**", "(Yes/No)?\nNo**")),
    ("cot_verdict_with_explanation", "prm_cot", CLEAN_COT.replace("? Yes**", "? Yes, the final answer x = 5 is right.**")),
    # --- PRM-CoT: truncated ---
    ("cot_truncated_mid_step", "prm_cot",
     cot_step(1, "Set up", "The equation is right.", "correct")
     + "## Step 2: Isolate x\nSubtracting 5 from both sides gives 3x = 15, but the student then wri"),
    ("cot_truncated_inside_marker", "prm_cot",
     cot_step(1, "Set up", "Fine.", "correct") + "## Step 2: Solve\nThe division is right.\n\n**This step is corr"),
    ("cot_truncated_before_final_verdict", "prm_cot",
     cot_step(1, "Set up", "Fine.", "correct") + cot_step(2, "Solve", "Fine.", "correct")
     + "**Verification: Is the answer correct (Yes/No)?"),
    ("cot_truncated_final_verdict_letter", "prm_cot",
     cot_step(1, "Set up", "Fine.", "correct") + "**Verification: Is the answer correct (Yes/No)? Ye"),
    # --- PRM-CoT: reordered and repeated ---
    ("cot_verdict_before_steps", "prm_cot",
     "**Verification: Is the answer correct (Yes/No)? No**\n\n"
     + cot_step(1, "Set up", "Fine.", "correct") + cot_step(2, "Solve", "Sign error.", "incorrect")),
    ("cot_two_verdicts_bold_later_wins", "prm_cot",
     cot_step(1, "Set up", "Fine.", "correct")
     + "Verification: Is the answer correct (Yes/No)? No\n\nOn reflection the sign is fine.\n\n"
     + "**Verification: Is the answer correct (Yes/No)? Yes**"),
    ("cot_two_bold_verdicts_first_wins", "prm_cot",
     cot_step(1, "Set up", "Fine.", "correct")
     + "**Verification: Is the answer correct (Yes/No)? Yes**\n\n**Verification: Is the answer correct (Yes/No)? No**"),
    ("cot_midtext_question_beats_final", "prm_cot",
     "## Step 1: Check the sum\nIs the answer correct so far? Yes, 12 is the sum.\n\n**This step is correct.**\n\n"
     + "## Step 2: Divide\nThe student divides by 4 instead of 3.\n\n**This step is incorrect.**\n\n"
     + "Is the answer correct (Yes/No)? No"),
    ("cot_marker_count_differs_from_headers", "prm_cot",
     "## Step 1: Add\nFine.\n\n**This step is correct.**\n\n## Step 2: Multiply\nFine.\n\n## Step 3: Answer\n"
     "The answer follows.\n\n**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**"),
    ("cot_duplicate_marker_in_one_step", "prm_cot",
     "## Step 1: Add\nFirst I thought **This step is incorrect.** but rechecking, **This step is correct.**\n\n"
     "**Verification: Is the answer correct (Yes/No)? Yes**"),
    # --- PRM-CoT: thinking ---
    ("cot_thinking_with_decoys", "prm_cot",
     "<think>\nLet me draft: **This step is incorrect.** no wait. **This step is incorrect.**\n"
     "**Verification: Is the answer correct (Yes/No)? No**\n</think>\n\n" + CLEAN_COT),
    ("cot_thinking_closed_without_opening", "prm_cot",
     "The student divides correctly... **This step is incorrect.** hmm, no.\n</think>\n" + CLEAN_COT),
    ("cot_thinking_unclosed", "prm_cot",
     "<think>\nStep 1 looks right. **This step is correct.**\nSo far: Is the answer correct (Yes/No)? Yes"),
    ("cot_thinking_unclosed_after_spaces", "prm_cot", "  \n<think>**This step is correct.** ? Yes"),
    ("cot_thinking_two_closings", "prm_cot",
     "<think>draft **This step is incorrect.**</think>\n## Step 1: Quote\nThe student wrote </think> literally.\n\n"
     "**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**"),
    ("cot_thinking_tag_uppercase_not_stripped", "prm_cot",
     "<THINK>**This step is incorrect.**</THINK>\n" + CLEAN_COT),
    # --- PRM-CoT: case and markdown variants ---
    ("cot_uppercase_markers", "prm_cot",
     "## STEP 1: ADD\nOK.\n\n**THIS STEP IS CORRECT.**\n\n## STEP 2: DIVIDE\nWRONG.\n\n**THIS STEP IS INCORRECT.**\n\n"
     "**VERIFICATION: IS THE ANSWER CORRECT (YES/NO)? NO**"),
    ("cot_lowercase_markers", "prm_cot",
     "## step 1: add\n**this step is correct.**\n**verification: is the answer correct (yes/no)? yes**"),
    ("cot_period_outside_bold", "prm_cot",
     "## Step 1: Add\nFine.\n\n**This step is correct**.\n\n## Step 2: Divide\n**This step is incorrect.**\n\n"
     "**Verification: Is the answer correct (Yes/No)? No**"),
    ("cot_single_asterisk_markers", "prm_cot",
     "## Step 1: Add\n*This step is correct.*\n\n## Step 2: Divide\n*This step is incorrect.*\n\n"
     "*Verification: Is the answer correct (Yes/No)? No*"),
    ("cot_extra_space_in_marker", "prm_cot",
     "## Step 1: Add\n**This step is  correct.**\n\n**This  step is correct.**\n\n** This step is correct.**\n\n"
     "**Verification: Is the answer correct (Yes/No)?  Yes **"),
    ("cot_heading_style_verdict", "prm_cot",
     CLEAN_COT.replace("**Verification: Is the answer correct (Yes/No)? Yes**",
                       "### Verification\nIs the answer correct (Yes/No)? **Yes**")),
    ("cot_verdict_yes_prefix_of_word", "prm_cot",
     "## Step 1: Add\n**This step is correct.**\n\nVerification: Is the answer correct (Yes/No)? Yesterday's method works."),
    ("cot_verdict_no_prefix_of_word", "prm_cot",
     "## Step 1: Add\n**This step is correct.**\n\nIs the answer correct? Not entirely: the units are missing."),
    ("cot_question_split_across_lines", "prm_cot",
     "## Step 1: Add\n**This step is correct.**\n\nVerification: Is the answer correct\n(Yes/No)? Yes"),
    ("cot_question_split_no_tail", "prm_cot",
     "## Step 1: Add\n**This step is correct.**\n\nVerification: Is the answer correct\n(Yes/No)? Yes, it is."),
    ("cot_only_tail_question_bold", "prm_cot", "## Step 1: Add\n**This step is correct.**\n\nFinal: correct? **Yes**"),
    ("cot_tail_bold_then_spaces", "prm_cot", "**This step is correct.**\nSo, right?  No \n ** \n"),
    ("cot_tail_yes_then_final_newline", "prm_cot", "**This step is correct.**\nRight?\nYes\n"),
    ("cot_tail_yes_then_two_newlines", "prm_cot", "**This step is correct.**\nRight? Yes\n\n"),
    ("cot_tail_yes_then_text", "prm_cot", "**This step is correct.**\nRight? Yes\nDone."),
    ("cot_no_verdict_at_all", "prm_cot", cot_step(1, "Add", "Fine.", "correct") + "That concludes the review."),
    ("cot_empty", "prm_cot", ""),
    # --- PRM-CoT: Unicode that Python's re treats specially ---
    ("cot_nbsp_before_verdict", "prm_cot",
     "**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)?\u00a0Yes**"),
    ("cot_ideographic_space", "prm_cot", "**This step is correct.**\n\nIs the answer correct (Yes/No)?\u3000No"),
    ("cot_long_s_in_marker", "prm_cot", "**This \u017ftep i\u017f correct.**\n\n**Verification: Is the answer correct? Yes**"),
    ("cot_long_s_in_verdict", "prm_cot", "**This step is correct.**\n\nVerification: Is the answer correct (Yes/No)? Ye\u017f"),
    ("cot_dotted_capital_i", "prm_cot", "**This step \u0130s correct.**\n\n\u0130s the answer correct? No"),
    ("cot_zero_width_space_blocks", "prm_cot", "**This step is correct.**\n\nIs the answer correct?\u200bYes"),
    ("cot_emoji_and_astral", "prm_cot",
     "## Step 1: \U0001d465 + 1\nGood \U0001f642\n\n**This step is correct.**\n\n"
     "**Verification: Is the answer correct (Yes/No)? Yes** \U0001f389"),
    # --- PRM ---
    ("prm_clean", "prm",
     "Step 1: Correct\nStep 2: Correct\nStep 3: Incorrect\nVerification: Is the answer correct (Yes/No)? No"),
    ("prm_all_correct_bold_final", "prm",
     "Step 1: Correct\nStep 2: Correct\n\n**Verification: Is the answer correct (Yes/No)? Yes**"),
    ("prm_lowercase", "prm", "step 1: correct\nstep 2: incorrect\nverification: is the answer correct (yes/no)? no"),
    ("prm_space_before_colon", "prm", "Step 1 : Correct\nStep 2: Correct\nIs the answer correct (Yes/No)? Yes"),
    ("prm_no_space_after_step", "prm", "Step1: Correct\nStep 2:Incorrect\nStep  12:   Correct\n? No"),
    ("prm_verdict_on_next_line", "prm", "Step 1:\nCorrect\nStep 2:\n\nIncorrect\nIs the answer correct?\nNo"),
    ("prm_correctly_prefix", "prm",
     "Step 1: Correctly sets up the equation\nStep 2: Incorrectly divides\nVerification: Is the answer correct? No"),
    ("prm_bold_step_labels", "prm", "**Step 1:** Correct\n**Step 2**: Incorrect\nStep 3: Correct\n? Yes"),
    ("prm_cot_style_headers", "prm", "## Step 1: Correct the sign\n## Step 2: Incorrect premise\nIs the answer correct? No"),
    ("prm_truncated", "prm", "Step 1: Correct\nStep 2: Correct\nStep 3: Inc"),
    ("prm_missing_final", "prm", "Step 1: Correct\nStep 2: Incorrect\nStep 3: Incorrect\n"),
    ("prm_verdict_first", "prm", "Verification: Is the answer correct (Yes/No)? Yes\nStep 1: Correct\nStep 2: Correct"),
    ("prm_duplicate_numbers", "prm", "Step 1: Correct\nStep 1: Incorrect\nStep 2: Correct\n? No"),
    ("prm_arabic_indic_digits", "prm", "Step \u0661: Correct\nStep \u0662: Incorrect\n? No"),
    ("prm_fullwidth_digits_and_colon", "prm", "Step \uff11: Correct\nStep 2\uff1a Incorrect\n? Yes"),
    ("prm_thinking_prefixed", "prm",
     "<think>Step 1: Incorrect? Step 2: Incorrect. Is the answer correct? No</think>\n"
     "Step 1: Correct\nStep 2: Correct\nVerification: Is the answer correct (Yes/No)? Yes"),
    ("prm_think_unclosed", "prm", "<think>\nStep 1: Correct\nStep 2: Correct\nIs the answer correct? Yes"),
    ("prm_tab_separated", "prm", "Step\t3:\tIncorrect\nIs the answer correct\t(Yes/No)?\tNo"),
    ("prm_kelvin_sign_not_in_pattern", "prm", "Step 1: Correct\nIs the answer correct? Yes \u212a"),
    # --- ORM ---
    ("orm_yes", "orm", "Yes"),
    ("orm_no", "orm", "No"),
    ("orm_padded", "orm", "  yes\n"),
    ("orm_uppercase", "orm", "YES"),
    ("orm_mixed_case", "orm", "nO"),
    ("orm_period", "orm", "No."),
    ("orm_sentence", "orm", "Yes, the answer is correct."),
    ("orm_empty", "orm", ""),
    ("orm_unicode_spaces", "orm", "\u00a0No\u3000\u2028"),
    ("orm_zero_width_space", "orm", "\u200bYes"),
    ("orm_fullwidth", "orm", "\uff39\uff45\uff53"),
    ("orm_thinking_closed", "orm", "<think>The division is wrong, so No... actually it is fine.</think>\n\nYes"),
    ("orm_thinking_unclosed", "orm", "<think>Yes"),
    ("orm_two_lines", "orm", "Yes\nNo"),
    ("orm_spaced_letters", "orm", "Y e s"),
    ("orm_cot_style_reply", "orm", "**Verification: Is the answer correct (Yes/No)? Yes**"),
    ("orm_control_separators", "orm", "\x1cNo\x1f"),
]


def main():
    names = [name for name, _, _ in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    corpus = [{"name": name, "variant": variant, "reply": reply, **read(variant, reply)} for name, variant, reply in CASES]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reply_corpus.json")
    with open(path, "w") as file:
        json.dump({"generator": "make_reply_corpus.py", "python": sys.version.split()[0], "cases": corpus}, file,
                  indent=1)
        file.write("\n")
    print(f"{len(corpus)} cases -> {path}")


if __name__ == "__main__":
    main()
