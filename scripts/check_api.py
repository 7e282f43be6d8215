#!/usr/bin/env python3
"""Checks a running spark-server against api/openapi.yaml, and against the official `openai` client.

Usage: python3 scripts/check_api.py --base-url http://127.0.0.1:PORT --model-path DIR [--api-key KEY]

Every response of every route (successes and each documented error status) is validated against the
schema the spec gives for that route, status and content type: a status the spec does not list for
the route is a failure, and so is a body that does not match. Then the `openai` package (if
installed) calls chat completions exactly as SPARK's reward function does: one user message,
temperature 0, top_p 0.95, max_tokens 4096, the checkpoint path as the model name.

Exits 0 when everything conforms, 1 with a list of failures otherwise.
"""

import argparse
import http.client
import json
import pathlib
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema
import yaml

SPEC_PATH = pathlib.Path(__file__).resolve().parent.parent / "api" / "openapi.yaml"


class Checker:
    def __init__(self, base_url, api_key):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.spec = yaml.safe_load(SPEC_PATH.read_text())
        self.failures = []
        self.checked = 0
        # Resolve "#/components/..." references against the whole spec.
        self.registry_root = self.spec

    def request(self, method, path, body=None, headers=None, raw=None, authorized=True):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if authorized and self.api_key:
            request.add_header("Authorization", "Bearer " + self.api_key)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def oversized_request(self, path, length):
        """Declares a body larger than the server takes and sends none of it: the server must answer
        413 from the headers alone (a client sending the body would see the connection close)."""
        parsed = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        if self.api_key:
            connection.putheader("Authorization", "Bearer " + self.api_key)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), body

    def schema_for(self, method, path, status, content_type):
        operation = self.spec["paths"].get(path, {}).get(method.lower())
        if operation is None:
            return None, f"{method} {path} is not in the spec"
        response = operation["responses"].get(str(status))
        if response is None:
            return None, f"{method} {path} answered {status}, which the spec does not list"
        if "$ref" in response:
            response = self.resolve(response["$ref"])
        media = response.get("content", {}).get(content_type.split(";")[0].strip())
        if media is None:
            return None, f"{method} {path} {status}: content type {content_type} is not in the spec"
        return media["schema"], None

    def resolve(self, reference):
        node = self.spec
        for part in reference.lstrip("#/").split("/"):
            node = node[part]
        return node

    def validate(self, method, path, expected_status, status, headers, body, label):
        self.checked += 1
        if status != expected_status:
            self.failures.append(f"{label}: expected status {expected_status}, got {status}: {body[:300]!r}")
            return None
        content_type = headers.get("Content-Type", headers.get("content-type", ""))
        schema, problem = self.schema_for(method, path, status, content_type)
        if problem:
            self.failures.append(f"{label}: {problem}")
            return None
        if "X-Request-Id" not in headers and "x-request-id" not in {k.lower() for k in headers}:
            self.failures.append(f"{label}: no X-Request-Id header")
        if content_type.startswith("text/"):
            return body.decode()
        try:
            document = json.loads(body)
        except ValueError as error:
            self.failures.append(f"{label}: body is not JSON ({error}): {body[:200]!r}")
            return None
        self.check_schema(schema, document, label)
        return document

    def check_request(self, method, path, body, label):
        """A body the server accepts must also be one the spec accepts."""
        operation = self.spec["paths"][path.split("?")[0]][method.lower()]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        self.check_schema(schema, body, label + " (request)")

    def check_schema(self, schema, document, label):
        resolver_schema = dict(schema)
        resolver_schema["components"] = self.spec["components"]
        validator = jsonschema.Draft202012Validator(resolver_schema)
        for error in validator.iter_errors(document):
            location = "/".join(str(part) for part in error.absolute_path)
            self.failures.append(f"{label}: {location}: {error.message}")

    def check_stream(self, path, body, chunk_schema_name, label):
        """A streamed response: every `data:` line is a chunk matching the schema, then [DONE]."""
        status, headers, raw = self.request("POST", path, body)
        self.checked += 1
        if status != 200 or not headers.get("Content-Type", "").startswith("text/event-stream"):
            self.failures.append(f"{label}: expected a 200 event stream, got {status} {headers.get('Content-Type')}")
            return []
        events = [line[len("data: "):] for line in raw.decode().split("\n") if line.startswith("data: ")]
        if not events or events[-1] != "[DONE]":
            self.failures.append(f"{label}: the stream does not end with data: [DONE]")
            return []
        schema = {"$ref": f"#/components/schemas/{chunk_schema_name}"}
        chunks = []
        for event in events[:-1]:
            chunk = json.loads(event)
            self.check_schema(schema, chunk, label)
            chunks.append(chunk)
        return chunks


def run_checks(checker, model_path):
    c = checker
    status, headers, body = c.request("GET", "/health", authorized=False)
    c.validate("GET", "/health", 200, status, headers, body, "health")

    status, headers, body = c.request("GET", "/metrics", authorized=False)
    metrics = c.validate("GET", "/metrics", 200, status, headers, body, "metrics")
    if metrics is not None and "spark_requests_running" not in metrics:
        c.failures.append("metrics: spark_requests_running is missing")

    status, headers, body = c.request("GET", "/v1/models")
    models = c.validate("GET", "/v1/models", 200, status, headers, body, "models")
    model_name = models["data"][0]["id"] if models else model_path

    completion = {"model": model_name, "prompt": "Step 1: 12 + 7 = 19", "max_tokens": 8, "temperature": 0}
    status, headers, body = c.request("POST", "/v1/completions", completion)
    c.validate("POST", "/v1/completions", 200, status, headers, body, "completion")

    rich = dict(completion, prompt=[[1, 2, 3], [4, 5]], n=2, logprobs=3, echo=True, seed=7, temperature=0.8)
    status, headers, body = c.request("POST", "/v1/completions", rich)
    document = c.validate("POST", "/v1/completions", 200, status, headers, body, "completion n=2 echo logprobs")
    if document and len(document["choices"]) != 4:
        c.failures.append(f"completion n=2 over 2 prompts: {len(document['choices'])} choices instead of 4")

    chunks = c.check_stream("/v1/completions", dict(completion, stream=True), "Completion", "completion stream")
    if chunks and chunks[-1]["choices"] and chunks[-1]["choices"][0]["finish_reason"] is None:
        c.failures.append("completion stream: the last chunk has no finish_reason")

    chat = {"model": model_path, "messages": [{"role": "user", "content": "What is 12 + 7?"}],
            "temperature": 0, "top_p": 0.95, "max_tokens": 8}
    status, headers, body = c.request("POST", "/v1/chat/completions", chat)
    c.validate("POST", "/v1/chat/completions", 200, status, headers, body, "chat")
    status, headers, body = c.request("POST", "/v1/chat/completions", dict(chat, logprobs=True, top_logprobs=25, n=3))
    c.validate("POST", "/v1/chat/completions", 200, status, headers, body, "chat logprobs n=3")
    c.check_stream("/v1/chat/completions", dict(chat, stream=True, stream_options={"include_usage": True}),
                   "ChatCompletionChunk", "chat stream")

    status, headers, body = c.request("POST", "/tokenize", {"prompt": "Step 1:", "return_token_strs": True})
    tokens = c.validate("POST", "/tokenize", 200, status, headers, body, "tokenize")
    status, headers, body = c.request("POST", "/tokenize", {"messages": chat["messages"]})
    c.validate("POST", "/tokenize", 200, status, headers, body, "tokenize messages")
    if tokens:
        status, headers, body = c.request("POST", "/detokenize", {"tokens": tokens["tokens"]})
        text = c.validate("POST", "/detokenize", 200, status, headers, body, "detokenize")
        if text and text["prompt"] != "Step 1:":
            c.failures.append(f"detokenize: {text['prompt']!r} instead of 'Step 1:'")

    verify = {"items": [{"problem": "What is 2 + 3?", "steps": ["2 + 3 = 5", "The answer is 5."]},
                        {"problem": "What is 2 + 3?", "solution": "It is 5."}], "n": 2, "max_tokens": 16}
    c.check_request("POST", "/v1/verify", verify, "verify")
    status, headers, body = c.request("POST", "/v1/verify", verify)
    c.validate("POST", "/v1/verify", 200, status, headers, body, "verify")
    response = "<think>\n<step>2 + 3 = 5</step>\n</think>\n<answer>\\boxed{5}</answer>"
    for design in ("process_aware_outcome", "selective_advantage", "outcome"):
        reward = {"items": [{"problem": "What is 2 + 3?", "response": response, "group": "g"},
                            {"problem": "What is 2 + 3?", "response": response + " extra", "group": "g"}],
                  "design": design, "max_tokens": 16}
        c.check_request("POST", "/v1/reward", reward, "reward " + design)
        status, headers, body = c.request("POST", "/v1/reward", reward)
        c.validate("POST", "/v1/reward", 200, status, headers, body, "reward " + design)
    groups = {"groups": [{"id": "q1", "problem": "What is 2 + 3?", "responses": [response, response + " extra"]},
                         {"problem": "What is 2 + 2?", "responses": [response]}],
              "max_tokens": 16, "constrain_verdicts": False}
    c.check_request("POST", "/v1/reward", groups, "reward groups")
    status, headers, body = c.request("POST", "/v1/reward", groups)
    grouped = c.validate("POST", "/v1/reward", 200, status, headers, body, "reward groups")
    if grouped and [group["group"] for group in grouped["groups"]] != ["q1", "1"]:
        c.failures.append(f"reward groups: groups named {[g['group'] for g in grouped['groups']]}, not ['q1', '1']")
    prompt = "<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"
    status, headers, body = c.request(
        "POST", "/get_reward?max_tokens=16", {"query": [prompt + response], "prompts": [prompt], "labels": ["5"]})
    c.validate("POST", "/get_reward", 200, status, headers, body, "get_reward")
    for route in ("/classify", "/pooling"):
        status, headers, body = c.request("POST", route, {"input": [prompt + response], "max_tokens": 16})
        c.validate("POST", route, 200, status, headers, body, route)
    status, headers, body = c.request("POST", "/get_reward", {"query": [], "prompts": [], "labels": []})
    c.validate("POST", "/get_reward", 200, status, headers, body, "get_reward empty")

    # Every documented error, produced on purpose.
    errors = [
        ("POST", "/v1/completions", {"prompt": []}, 400, "empty prompt"),
        ("POST", "/v1/completions", {"prompt": "x", "max_tokens": 10**9}, 400, "max_tokens too large"),
        ("POST", "/v1/completions", {"model": "no-such-model", "prompt": "x"}, 404, "unknown model"),
        ("POST", "/v1/chat/completions", {"messages": []}, 400, "empty messages"),
        ("POST", "/tokenize", {}, 400, "tokenize without input"),
        ("POST", "/detokenize", {"tokens": [-1]}, 400, "bad token id"),
        ("POST", "/v1/completions", {"prompt": "x", "max_tokens": 64, "timeout": 0.000001}, 408, "timeout"),
        ("POST", "/v1/verify", {"items": []}, 400, "verify without items"),
        ("POST", "/v1/reward", {"items": [{"problem": "p", "response": "r"}], "design": "best"}, 400, "unknown design"),
        ("POST", "/v1/reward", {"groups": [{"problem": "p", "responses": []}]}, 400, "a group without responses"),
        ("POST", "/get_reward", {"query": "not a list"}, 400, "get_reward with a bad query"),
    ]
    for method, path, body, expected, label in errors:
        status, headers, raw = c.request(method, path, body)
        c.validate(method, path, expected, status, headers, raw, label)
    status, headers, raw = c.request("POST", "/v1/completions", raw=b"{not json")
    c.validate("POST", "/v1/completions", 400, status, headers, raw, "invalid JSON")
    status, headers, raw = c.oversized_request("/v1/completions", 64 << 20)
    c.validate("POST", "/v1/completions", 413, status, headers, raw, "body too large")
    if c.api_key:
        status, headers, raw = c.request("GET", "/v1/models", authorized=False)
        c.validate("GET", "/v1/models", 401, status, headers, raw, "no API key")


def run_openai_client(checker, model_path):
    try:
        import openai
    except ImportError:
        checker.failures.append("the openai package is not installed (pip install openai)")
        return
    client = openai.OpenAI(base_url=checker.base_url + "/v1", api_key=checker.api_key or "None", max_retries=0)
    # Exactly SPARK's reward-function call (math_gen_rm_reward_function.py).
    prompt = "Problem: What is 12 + 7?\n\nStudent Solution: Step 1: 12 + 7 = 19.\n\nLet's verify step by step."
    response = client.chat.completions.create(
        model=model_path, messages=[{"role": "user", "content": prompt}], temperature=0, top_p=0.95,
        max_tokens=4096)
    checker.checked += 1
    if not isinstance(response.choices[0].message.content, str) or response.choices[0].finish_reason not in ("stop", "length"):
        checker.failures.append(f"openai client: unexpected response {response}")
    again = client.chat.completions.create(
        model=model_path, messages=[{"role": "user", "content": prompt}], temperature=0, top_p=0.95,
        max_tokens=4096)
    if again.choices[0].message.content != response.choices[0].message.content:
        checker.failures.append("openai client: temperature 0 gave two different answers")
    # The SDK announces its read timeout in x-stainless-read-timeout; the server adopts it as the deadline.
    verified = client.with_options(timeout=7.5).post(
        "/verify", cast_to=object,
        body={"items": [{"problem": "What is 2 + 3?", "solution": "It is 5."}], "max_tokens": 4})
    checker.checked += 1
    if verified.get("timeout_ms") != 7500:
        checker.failures.append(f"openai client: a 7.5 s client timeout gave timeout_ms {verified.get('timeout_ms')}")
    stream = client.completions.create(model=model_path, prompt="Step 1:", max_tokens=5, stream=True, temperature=0)
    pieces = [choice.text for chunk in stream for choice in chunk.choices]
    checker.checked += 1
    if not pieces:
        checker.failures.append("openai client: the completion stream was empty")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--api-key")
    arguments = parser.parse_args()
    checker = Checker(arguments.base_url, arguments.api_key)
    run_checks(checker, arguments.model_path)
    run_openai_client(checker, arguments.model_path)
    if checker.failures:
        print(f"{len(checker.failures)} of {checker.checked} checks failed:")
        for failure in checker.failures:
            print("  " + failure)
        sys.exit(1)
    print(f"all {checker.checked} responses conform to api/openapi.yaml")


if __name__ == "__main__":
    main()
