#!/usr/bin/env python3
"""Reward functions for verl and TRL that call spark-server's /v1/reward, one request per batch with
its responses grouped by problem (GRPO groups), and carry over what the server says about every
item (`status`, `mask`) in the form each trainer understands. Standard library only; copy this file
next to your training script.

How a sample the reward model did not judge (status unparseable, truncated, timeout or error; the
server's `score` is null and `mask` false) reaches each trainer:

- verl (`custom_reward_function.path` pointing here): `compute_score` returns a dict; verl's reward
  managers take `score` as the reward and log the other keys as reward_extra_info. An unjudged sample
  gets `score` 0.0 (verl has no per-sample mask for rewards) with `judged` 0 and its `status`, so it
  shows in the logs; filter on `judged` if your trainer can.
- TRL (`GRPOTrainer(reward_funcs=[SparkReward(...), ...])`): the callable returns None for an
  unjudged sample. TRL reads None as "this reward function does not score this sample" (NaN, left
  out of its nansum over reward functions), which is what the server means. Where no reward
  function scores a sample, TRL warns and its summed reward is 0: give TRL a second reward function
  (a format check, say) if that matters to you.

Usage as a script (for a check by hand): spark_reward_adapters.py --url http://127.0.0.1:8000 < items.jsonl
(lines of {"problem", "response"}); prints {"verl": ..., "trl": ...} per line.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request


class SparkRewardClient:
    """POSTs /v1/reward with retries. A retry of the same body is safe: the server joins it to the
    work in flight or replays the answer, so nothing is judged twice."""

    def __init__(self, url, design="process_aware_outcome", api_key=None, timeout=600, attempts=5):
        self.url = url.rstrip("/") + "/v1/reward"
        self.design = design
        self.api_key = api_key
        self.timeout = timeout
        self.attempts = attempts

    def score_groups(self, groups):
        """groups: list of (problem, [responses]). Returns the server's items, group after group."""
        body = {
            "design": self.design,
            "groups": [{"id": str(index), "problem": problem, "responses": list(responses)}
                       for index, (problem, responses) in enumerate(groups)],
            "timeout_ms": int(self.timeout * 1000),
        }
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        for attempt in range(self.attempts):
            try:
                request = urllib.request.Request(self.url, data=data, headers=headers)
                with urllib.request.urlopen(request, timeout=self.timeout + 30) as response:
                    return json.loads(response.read())["items"]
            except urllib.error.HTTPError as error:
                if error.code not in (408, 429, 500, 502, 503, 504) or attempt == self.attempts - 1:
                    raise
                time.sleep(float(error.headers.get("Retry-After", 2 ** attempt)))
            except (urllib.error.URLError, TimeoutError):
                if attempt == self.attempts - 1:
                    raise
                time.sleep(2 ** attempt)


def group_by_problem(problems, responses):
    """(problem, [responses]) in first-seen order, and where each response went."""
    order, members, places = [], {}, []
    for problem, response in zip(problems, responses):
        if problem not in members:
            members[problem] = []
            order.append(problem)
        places.append((problem, len(members[problem])))
        members[problem].append(response)
    return [(problem, members[problem]) for problem in order], places


def score_in_groups(client, problems, responses):
    groups, places = group_by_problem(problems, responses)
    items = client.score_groups(groups)
    offsets, start = {}, 0
    for problem, members in groups:
        offsets[problem] = start
        start += len(members)
    return [items[offsets[problem] + position] for problem, position in places]


def verl_result(item):
    return {"score": item["score"] if item["mask"] else 0.0, "judged": 1.0 if item["mask"] else 0.0,
            "status": item["status"]}


def make_verl_compute_score(url, **settings):
    """verl's batched reward function (BatchRewardManager): lists in, one dict per sample out. The
    problem comes from extra_info["question"] (or "problem"), as verl's data preprocessing stores it."""
    client = SparkRewardClient(url, **settings)

    def compute_score(data_sources, solution_strs, ground_truths, extra_infos, **kwargs):
        problems = [(info or {}).get("question") or (info or {}).get("problem") or "" for info in extra_infos]
        return [verl_result(item) for item in score_in_groups(client, problems, solution_strs)]

    return compute_score


class SparkReward:
    """A TRL reward function: `SparkReward(url)(prompts=..., completions=...)` gives a list of floats,
    None where the reward model did not judge."""

    def __init__(self, url, **settings):
        self.client = SparkRewardClient(url, **settings)
        self.__name__ = "spark_" + self.client.design

    @staticmethod
    def text(value):
        # Conversational datasets give a list of messages; the last one is the turn that counts.
        return value[-1]["content"] if isinstance(value, list) else value

    def __call__(self, prompts, completions, **kwargs):
        items = score_in_groups(self.client, [self.text(p) for p in prompts], [self.text(c) for c in completions])
        return [item["score"] if item["mask"] else None for item in items]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--design", default="process_aware_outcome")
    arguments = parser.parse_args()
    lines = [json.loads(line) for line in sys.stdin if line.strip()]
    problems = [line["problem"] for line in lines]
    responses = [line["response"] for line in lines]
    verl = make_verl_compute_score(arguments.url, design=arguments.design)(
        ["spark"] * len(lines), responses, [None] * len(lines), [{"question": p} for p in problems])
    trl = SparkReward(arguments.url, design=arguments.design)(
        prompts=[[{"role": "user", "content": p}] for p in problems],
        completions=[[{"role": "assistant", "content": r}] for r in responses])
    for verl_item, trl_item in zip(verl, trl):
        print(json.dumps({"verl": verl_item, "trl": trl_item}))


if __name__ == "__main__":
    main()
