#!/usr/bin/env python3
"""A reward function written the way SPARK's verl fork writes it (run_scripts/math_gen_rm_reward_function.py):
the official openai client, one chat completion per response with the PRM prompt, temperature 0,
top_p 0.95, max_tokens 4096, the checkpoint path as the model name, retries with exponential backoff,
and the verdict read from the reply with SPARK's regexes. Point it at spark-server.

Usage as a script: spark_verl_reward_function.py --base-url http://127.0.0.1:8000/v1 --model PATH < items.jsonl
(lines of {"problem", "response"}); prints one reward per line.
"""

import argparse
import json
import re
import sys
import time

import openai

PRM_PROMPT = "Problem: {question}\n\nStudent Solution: {solution}\n\nLet's verify step by step."
OUTCOME_PATTERNS = [
    r"\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*",
    r"Verification:\s*Is the answer correct.*?\?\s*(Yes|No)",
    r"Is the answer correct.*?\?\s*(Yes|No)",
    r"\?\s*(Yes|No)\s*\*\*\s*$",
    r"\?\s*(Yes|No)\s*$",
]


def format_validity(response):
    boxed = len(re.findall(r"\\\\boxed\{.*?\}", response)) + len(re.findall(r"\\boxed\{.*?\}", response))
    answers = re.findall(r"<answer>.*?</answer>", response, re.DOTALL)
    trailing = re.search(r"</answer>\s*\S", response)
    return boxed == 1 and len(answers) == 1 and trailing is None


def valid_answer(response):
    match = re.search(r"(.*</answer>)", response, re.DOTALL)
    return match.group(1).strip() if match else response


def outcome(reply):
    if "</think>" in reply:
        reply = reply.split("</think>", 1)[1]
    for pattern in OUTCOME_PATTERNS:
        match = re.search(pattern, reply, re.IGNORECASE)
        if match:
            return 1.0 if match.group(1).lower() == "yes" else 0.0
    return 0.0


def compute_score(client, model, problem, response, max_retries=10, base_delay=2):
    """SPARK's process-aware outcome reward: 1[valid] * y."""
    if not format_validity(response):
        return 0.0
    prompt = PRM_PROMPT.format(question=problem, solution=valid_answer(response))
    for attempt in range(max_retries):
        try:
            reply = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], temperature=0, top_p=0.95,
                max_tokens=4096)
            return outcome(reply.choices[0].message.content)
        except openai.APIError:
            time.sleep(base_delay * 2**attempt)
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key", default="None")
    arguments = parser.parse_args()
    client = openai.OpenAI(base_url=arguments.base_url, api_key=arguments.api_key, max_retries=0)
    for line in sys.stdin:
        if line.strip():
            item = json.loads(line)
            print(compute_score(client, arguments.model, item["problem"], item["response"], base_delay=0.1))


if __name__ == "__main__":
    main()
