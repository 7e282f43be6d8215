#!/usr/bin/env python3
"""A client written the way OpenRLHF's remote reward client is (openrlhf/utils/agent.py,
_fetch_rewards_via_http): one sample per HTTP POST to /get_reward, right after its generation,
`{"query": [prompt + response], "prompts": [prompt], "labels": [label]}`, a 180 s timeout, up to 5
attempts with 1 s sleeps, raise_for_status. Point it at spark-server.

Usage: openrlhf_remote_reward.py --url http://127.0.0.1:8000/get_reward < items.jsonl
(lines of {"problem", "response"}); prints one reward per line.
"""

import argparse
import json
import sys
import time
import urllib.request

TEMPLATE = "<|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n"


def fetch_reward(url, query, prompt, label, attempts=5):
    body = json.dumps({"query": [query], "prompts": [prompt], "labels": [label]}).encode()
    for attempt in range(attempts):
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=180) as response:
                return json.loads(response.read())["rewards"][0]
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    arguments = parser.parse_args()
    for line in sys.stdin:
        if line.strip():
            item = json.loads(line)
            prompt = TEMPLATE.format(problem=item["problem"])
            # The query is decoded with special tokens kept, so it ends with the end-of-turn token.
            print(fetch_reward(arguments.url, prompt + item["response"] + "<|im_end|>", prompt, None))


if __name__ == "__main__":
    main()
