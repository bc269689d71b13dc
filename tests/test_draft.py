"""`llmcat draft` against a fake Hub on 127.0.0.1, and the config.json key mapping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llmcat.draft import config_facts, default_id
from llmcat.yamlio import load_text
from tests.conftest import Hub, Result
from tests.fakehub import CHATGLM_CONFIG, LLAMA_CONFIG

Run = Callable[..., Result]


@pytest.fixture
def catalog(hub_catalog: Path) -> Path:
    """The fake Hub's catalog, its dataset linked to a repository of the Hub too."""
    with (hub_catalog / "datasets" / "web-data.yaml").open("a", encoding="utf-8") as f:
        f.write("links:\n  huggingface: org/web-data\n")
    return hub_catalog


def draft(run: Run, hub: Hub, catalog: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run("draft", *args, "--endpoint", hub[0], "--catalog", str(catalog), "--retries", "0", env=env)


def parsed(text: str) -> dict[str, object]:
    doc = load_text(text, "draft")
    assert not isinstance(doc, tuple) and hasattr(doc, "data"), doc
    return doc.data  # type: ignore[union-attr, no-any-return]


def test_a_model_draft_cites_the_api_and_config_urls_for_each_fact(run: Run, hub: Hub, catalog: Path) -> None:
    result = draft(run, hub, catalog, "org/chat-7b", "--out", "-")
    assert result.exit_code == 0, result
    entry = parsed(result.stdout)
    assert list(entry)[:8] == ["id", "kind", "name", "organization", "released", "summary", "notes", "languages"]
    assert entry["organization"] == "Example Lab"  # as recorded for the same Hub account
    assert entry["released"] == "2023-07-18"
    assert entry["license"] == {"weights": "apache-2.0"}
    assert entry["params"] == 6738415616
    assert entry["context_length"] == 4096
    assert entry["base_model"] == "base-7b"
    assert entry["trained_on"] == [
        "web-data",
        "TODO: the Hub names dataset 'other/unknown-data', which has no catalog entry",
    ]
    assert entry["config"] == {
        "layers": 32,
        "hidden_size": 4096,
        "attention_heads": 32,
        "kv_heads": 32,
        "vocab_size": 32000,
        "intermediate_size": 11008,
    }
    sources = entry["sources"]
    assert isinstance(sources, list)
    assert sources[0]["url"] == f"{hub[0]}/api/models/org/chat-7b" and sources[0]["primary"] is True
    assert {"params", "license", "released", "base_model"} <= set(sources[0]["about"])
    assert sources[1]["url"] == f"{hub[0]}/org/chat-7b/resolve/main/config.json"
    assert sources[1]["about"] == ["config", "context_length"]
    assert "num_key_value_heads 32" in sources[1]["note"]
    assert str(entry["summary"]["en"]).startswith("TODO")  # type: ignore[index]


def test_a_draft_is_written_into_the_catalog_and_validate_refuses_it_until_the_todos_go(
    run: Run, hub: Hub, catalog: Path
) -> None:
    result = draft(run, hub, catalog, "org/chat-7b")
    assert result.exit_code == 0, result
    path = catalog / "models" / "chat-7b.yaml"
    assert f"wrote {path}" in result.stderr.replace("\n", "")
    checked = run("validate", "--catalog", str(catalog), "--format", "text")
    assert checked.exit_code == 1, checked
    codes = {line.rsplit("[", 1)[1].split("]")[0] for line in checked.stdout.splitlines()}
    assert codes == {"draft-todo"}, checked


def test_a_draft_whose_todos_are_resolved_passes_validate_strict(run: Run, hub: Hub, catalog: Path) -> None:
    from llmcat.yamlio import dump

    entry = parsed(draft(run, hub, catalog, "org/chat-7b", "--out", "-").stdout)
    entry["summary"] = {"en": "A chat model of the tests.", "zh": "测试用的对话模型。"}
    del entry["notes"]
    entry["trained_on"] = ["web-data"]
    entry["sources"][-1]["note"] = "Model card read for the summary."  # type: ignore[index]
    (catalog / "models" / "chat-7b.yaml").write_text(dump(entry), encoding="utf-8")
    result = run("validate", "--catalog", str(catalog), "--strict", "--format", "text")
    assert result.exit_code == 0, result


def test_an_existing_entry_is_never_overwritten(run: Run, hub: Hub, catalog: Path) -> None:
    same_repo = draft(run, hub, catalog, "org/base-7b")
    assert same_repo.exit_code == 1 and "already has base-7b" in same_repo.stderr, same_repo
    existing = catalog / "models" / "taken.yaml"
    existing.write_text("keep me\n", encoding="utf-8")
    result = draft(run, hub, catalog, "org/chat-7b", "--out", str(existing))
    assert result.exit_code == 1 and "never overwrites" in result.stderr, result
    assert existing.read_text(encoding="utf-8") == "keep me\n"


def test_a_gated_model_is_drafted_as_gated_without_its_config(run: Run, hub: Hub, catalog: Path) -> None:
    result = draft(run, hub, catalog, "org/gated-7b", "--out", "-")
    assert result.exit_code == 0, result
    entry = parsed(result.stdout)
    assert entry["status"] == "gated"
    assert "config" not in entry and "context_length" not in entry
    assert "config.json not read (HTTP 401" in result.stderr


def test_the_token_goes_to_the_hub_host_only(run: Run, hub: Hub, catalog: Path) -> None:
    result = draft(run, hub, catalog, "org/gated-7b", "--out", "-", env={"HF_TOKEN": "hf_secret"})
    assert result.exit_code == 0, result
    assert {auth for _, auth in hub[1]} == {"Bearer hf_secret"}


def test_an_unknown_license_tag_is_a_todo_naming_the_tag(run: Run, hub: Hub, catalog: Path) -> None:
    entry = parsed(draft(run, hub, catalog, "org/odd-6b", "--out", "-").stdout)
    weights = entry["license"]["weights"]  # type: ignore[index]
    assert weights.startswith("TODO") and "'odd-model-license'" in weights


def test_a_dataset_draft(run: Run, hub: Hub, catalog: Path) -> None:
    result = draft(run, hub, catalog, "org/web-corpus", "--kind", "dataset", "--id", "web-corpus-en", "--out", "-")
    assert result.exit_code == 0, result
    entry = parsed(result.stdout)
    assert entry["id"] == "web-corpus-en" and entry["kind"] == "dataset"
    assert entry["license"] == {"data": "apache-2.0"}
    assert entry["languages"] == ["en"]
    assert entry["sources"][0]["url"] == f"{hub[0]}/api/datasets/org/web-corpus"  # type: ignore[index]


@pytest.mark.parametrize(
    ("repo", "message"),
    [
        ("org/missing", "the Hub has no model 'org/missing' (HTTP 404"),
        ("org/broken", "is not JSON"),
    ],
)
def test_hub_failures_are_clear_errors(run: Run, hub: Hub, catalog: Path, repo: str, message: str) -> None:
    result = draft(run, hub, catalog, repo, "--out", "-")
    assert result.exit_code == 1, result
    assert message in result.stderr.replace("\n", " ") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_arguments_are_usage_errors(run: Run, hub: Hub, catalog: Path) -> None:
    assert draft(run, hub, catalog, "not-a-repo-id").exit_code == 2
    assert draft(run, hub, catalog, "org/chat-7b", "--id", "Bad_ID").exit_code == 2
    result = run("draft", "org/chat-7b", "--endpoint", "ftp://example.org", "--catalog", str(catalog))
    assert result.exit_code == 2 and "must be an http(s) URL" in result.stderr, result


def test_only_a_named_endpoint_is_trusted_with_private_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmcat.net.hub import endpoint

    assert endpoint(None) == ("https://huggingface.co", False)
    assert endpoint("http://127.0.0.1:8080/") == ("http://127.0.0.1:8080", True)
    monkeypatch.setenv("HF_ENDPOINT", "http://10.0.0.5")
    assert endpoint(None) == ("http://10.0.0.5", True)


def test_a_redirect_to_another_private_host_is_refused(run: Run, hub: Hub, catalog: Path) -> None:
    result = draft(run, hub, catalog, "org/redirected-7b", "--out", "-")
    assert result.exit_code == 0, result
    assert "config" not in parsed(result.stdout)
    assert "config.json not read (refused" in result.stderr.replace("\n", " ")


def test_config_keys_of_common_architectures() -> None:
    assert config_facts(LLAMA_CONFIG)[:2] == (
        {
            "layers": 32,
            "hidden_size": 4096,
            "attention_heads": 32,
            "kv_heads": 32,
            "vocab_size": 32000,
            "intermediate_size": 11008,
        },
        4096,
    )
    chatglm = config_facts(CHATGLM_CONFIG)[:2]
    assert chatglm[0]["kv_heads"] == 2 and chatglm[0]["vocab_size"] == 65024 and chatglm[1] == 32768
    falcon_rw = {"n_layer": 32, "hidden_size": 4544, "n_head": 71, "multi_query": True, "vocab_size": 65024}
    assert config_facts(falcon_rw)[0] == {
        "layers": 32,
        "hidden_size": 4544,
        "attention_heads": 71,
        "kv_heads": 1,
        "vocab_size": 65024,
    }
    neox = {"num_hidden_layers": 44, "hidden_size": 6144, "num_attention_heads": 64, "intermediate_size": 24576}
    assert config_facts({**neox, "max_position_embeddings": 2048})[1] == 2048
    no_mqa = {**CHATGLM_CONFIG, "multi_query_attention": False}
    assert "kv_heads" not in config_facts(no_mqa)[0]
    assert config_facts({"hidden_size": 64})[0] == {}  # no layers or heads: no config block


def test_default_ids_follow_the_catalog_form() -> None:
    assert default_id("THUDM/ChatGLM2-6B") == "chatglm2-6b"
    assert default_id("org/Model_v1.5__Chat") == "model-v1.5-chat"
