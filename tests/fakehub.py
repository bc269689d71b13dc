"""A fake Hugging Face Hub on 127.0.0.1 for `llmcat draft` and `llmcat watch`.

The answers have the shapes the Hub API returns (fields trimmed to what llmcat reads): a model
with config.json and safetensors counts, a gated model whose files need a token, a dataset,
an unknown license tag, a malformed JSON body, a 404, and model listings by author.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 11008,
    "max_position_embeddings": 4096,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "rms_norm_eps": 1e-05,
    "torch_dtype": "float16",
    "vocab_size": 32000,
}
CHATGLM_CONFIG = {
    "architectures": ["ChatGLMModel"],
    "model_type": "chatglm",
    "num_layers": 28,
    "padded_vocab_size": 65024,
    "hidden_size": 4096,
    "ffn_hidden_size": 13696,
    "num_attention_heads": 32,
    "seq_length": 32768,
    "multi_query_attention": True,
    "multi_query_group_num": 2,
}


def _model(repo: str, created: str, license_tag: str, **extra: Any) -> dict[str, Any]:
    card = {"license": license_tag, "language": ["en", "zh"], **extra.pop("card", {})}
    return {
        "_id": "64b6b3c0aa1bb5a1b0f0a001",
        "id": repo,
        "modelId": repo,
        "author": repo.split("/")[0],
        "sha": "0123456789abcdef0123456789abcdef01234567",
        "lastModified": "2023-08-01T10:00:00.000Z",
        "createdAt": created,
        "private": False,
        "disabled": False,
        "gated": False,
        "downloads": 1234,
        "likes": 56,
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["transformers", "pytorch", "safetensors", "text-generation", "en", "zh", f"license:{license_tag}"],
        "cardData": card,
        "siblings": [{"rfilename": "config.json"}, {"rfilename": "model.safetensors"}],
        **extra,
    }


ROUTES: dict[str, tuple[int, Any]] = {
    "/api/models/org/chat-7b": (
        200,
        _model(
            "org/chat-7b",
            "2023-07-18T16:23:11.000Z",
            "apache-2.0",
            card={"base_model": "org/base-7b", "datasets": ["org/web-data", "other/unknown-data"]},
            safetensors={"parameters": {"F16": 6738415616}, "total": 6738415616},
        ),
    ),
    "/org/chat-7b/resolve/main/config.json": (200, LLAMA_CONFIG),
    "/api/models/org/gated-7b": (
        200,
        _model("org/gated-7b", "2023-07-20T09:00:00.000Z", "apache-2.0", gated="manual"),
    ),
    "/org/gated-7b/resolve/main/config.json": (401, {"error": "Access to model org/gated-7b is restricted."}),
    "/api/models/org/odd-6b": (
        200,
        _model(
            "org/odd-6b",
            "2023-06-24T02:30:00.000Z",
            "odd-model-license",
            safetensors={"parameters": {"F16": 6243584000}, "total": 6243584000},
        ),
    ),
    "/org/odd-6b/resolve/main/config.json": (200, CHATGLM_CONFIG),
    "/api/models/org/broken": (200, b'{"id": "org/broken", '),
    "/api/models/org/redirected-7b": (200, _model("org/redirected-7b", "2023-07-21T09:00:00.000Z", "apache-2.0")),
    "/org/redirected-7b/resolve/main/config.json": (302, "http://10.255.255.1/config.json"),
    "/api/datasets/org/web-corpus": (
        200,
        {
            "_id": "64b6b3c0aa1bb5a1b0f0a0ff",
            "id": "org/web-corpus",
            "author": "org",
            "createdAt": "2023-05-02T12:00:00.000Z",
            "lastModified": "2023-05-03T12:00:00.000Z",
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 99,
            "likes": 4,
            "tags": [
                "task_categories:text-generation",
                "language:en",
                "license:apache-2.0",
                "size_categories:1M<n<10M",
            ],
            "cardData": {"license": "apache-2.0", "language": ["en"], "size_categories": ["1M<n<10M"]},
        },
    ),
}

LISTINGS: dict[str, list[dict[str, Any]]] = {
    "org": [
        {
            "_id": "1",
            "id": "org/new-13b",
            "likes": 3,
            "private": False,
            "downloads": 1200,
            "tags": ["transformers", "license:apache-2.0"],
            "createdAt": "2023-09-01T08:00:00.000Z",
            "modelId": "org/new-13b",
        },
        {
            "_id": "2",
            "id": "org/base-7b",
            "likes": 9,
            "private": False,
            "downloads": 5000,
            "tags": ["transformers", "license:apache-2.0"],
            "createdAt": "2023-07-01T08:00:00.000Z",
            "modelId": "org/base-7b",
        },
        {
            "_id": "3",
            "id": "org/old-1b",
            "likes": 0,
            "private": False,
            "downloads": 7,
            "tags": ["transformers"],
            "createdAt": "2023-01-15T08:00:00.000Z",
            "modelId": "org/old-1b",
        },
    ],
    "lab2": [
        {
            "_id": "4",
            "id": "lab2/tiny-chat",
            "likes": 1,
            "private": False,
            "downloads": 40,
            "tags": ["license:mit"],
            "createdAt": "2023-08-05T08:00:00.000Z",
            "modelId": "lab2/tiny-chat",
        }
    ],
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if parts.path == "/api/models" and parts.query:
            query = parse_qs(parts.query)
            if query.get("author") == ["broken"]:
                self._send(200, b"[{")
                return
            listing = LISTINGS.get(query.get("author", [""])[0], [])
            self._send(200, listing[: int(query.get("limit", ["100"])[0])])
            return
        status, body = ROUTES.get(parts.path, (404, {"error": "Repository not found"}))
        if status == 302:
            self._send(status, b"", {"Location": body})
            return
        self._send(status, body)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[tuple[str, str | None]]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hangs up mid-answer is expected here, and the CLI runs in this
        process, so a traceback printed by a server thread would land in its captured stderr."""


@contextmanager
def fake_hub() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """The base URL and the (path, Authorization) of every request."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.seen
    finally:
        server.shutdown()
        server.server_close()
