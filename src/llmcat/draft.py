"""A catalog entry drafted from the Hugging Face Hub's metadata, with TODOs where the Hub cannot say.

``draft_entry`` is pure: it takes the Hub's JSON answers and the catalog and returns the entry
as an ordered mapping (the catalog's own field order) and the notes for the user. What the Hub
cannot state (summaries, the license's real terms, restrictions in the README, a license tag
the catalog does not know) becomes a value starting with ``TODO``, which ``validate`` refuses
(rule ``draft-todo``), so a draft cannot be merged unreviewed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from llmcat.catalog import Catalog, Record
from llmcat.fields import ID_PATTERN, LANGUAGE_PATTERN
from llmcat.net.audit import hub_base_models, hub_languages, hub_license
from llmcat.problems import LlmcatError
from llmcat.validate import TODO, todo_values

_ID_RE = re.compile(ID_PATTERN)
_LANG_RE = re.compile(LANGUAGE_PATTERN)
VAGUE_LICENSES = {"other", "unknown", ""}

# config.json key names per field, in the order they are tried (llama, mistral, qwen2 and
# gpt-neox first; then falcon, chatglm, gpt-2 style names).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "layers": ("num_hidden_layers", "num_layers", "n_layer", "n_layers"),
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "attention_heads": ("num_attention_heads", "n_head", "n_heads", "num_heads"),
    "kv_heads": ("num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
    "intermediate_size": ("intermediate_size", "ffn_hidden_size", "inner_hidden_size", "n_inner"),
}
CONTEXT_KEYS = ("max_position_embeddings", "seq_length", "max_sequence_length", "n_positions", "max_seq_len")
REQUIRED_CONFIG = ("layers", "hidden_size", "attention_heads")


class HubFacts(NamedTuple):
    """What the Hub said, with the URLs it said it at."""

    kind: str
    repo_id: str
    api_url: str
    meta: dict[str, Any]
    page_url: str
    config_url: str | None = None
    config: dict[str, Any] | None = None


class Draft(NamedTuple):
    entry: dict[str, Any]
    todos: list[str]
    notes: list[str]


def default_id(repo_id: str) -> str:
    name = repo_id.split("/")[-1].lower()
    return re.sub(r"[^a-z0-9.]+", "-", name).strip("-.").replace("..", ".")


def valid_id(entry_id: str) -> bool:
    return bool(_ID_RE.match(entry_id))


def by_hub_id(catalog: Catalog, kind: str) -> dict[str, str]:
    """Catalog ids by their Hub repo id (case-insensitive) for one kind."""
    return {
        r["links"]["huggingface"].lower(): r["id"]
        for r in catalog.entries((kind,))
        if r.get("links", {}).get("huggingface")
    }


def license_by_tag(catalog: Catalog) -> dict[str, str]:
    """License ids by every name the Hub may use for them: id, SPDX id, hub_ids."""
    out: dict[str, str] = {}
    for lic in catalog.licenses():
        for name in (lic["id"], str(lic.get("spdx", "")), *lic.get("hub_ids", [])):
            if name:
                out.setdefault(name.lower(), lic["id"])
    return out


def organization_of(catalog: Catalog, repo_id: str) -> str | None:
    """The organization the catalog records for other entries under the same Hub account."""
    account = repo_id.split("/")[0].lower()
    for record in catalog.entries():
        hub = record.get("links", {}).get("huggingface", "")
        if hub.lower().startswith(f"{account}/"):
            return str(record["organization"])
    return None


def config_facts(config: dict[str, Any]) -> tuple[dict[str, int], int | None, list[str]]:
    """The catalog's config block and context length from config.json, and the keys read."""
    found: dict[str, int] = {}
    read: list[str] = []
    for name, keys in CONFIG_KEYS.items():
        for key in keys:
            value = config.get(key)
            if name == "kv_heads" and key == "multi_query_group_num" and not config.get("multi_query_attention"):
                continue
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                found[name] = value
                read.append(f"{key} {value}")
                break
    if "kv_heads" not in found and config.get("multi_query") is True and "attention_heads" in found:
        found["kv_heads"] = 1  # falcon's multi-query attention: one key/value head
        read.append("multi_query true")
    if found.get("kv_heads", 0) > found.get("attention_heads", 1 << 62):
        del found["kv_heads"]
    context = None
    for key in CONTEXT_KEYS:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            context = value
            read.append(f"{key} {value}")
            break
    if not all(k in found for k in REQUIRED_CONFIG):
        return {}, context, read
    ordered = {k: found[k] for k in CONFIG_KEYS if k in found}
    return ordered, context, read


def draft_entry(catalog: Catalog, facts: HubFacts, entry_id: str) -> Draft:
    meta = facts.meta
    notes: list[str] = []
    about: list[str] = []  # fields drafted from the API answer

    def todo(text: str) -> str:
        return f"{TODO}: {text}"

    entry: dict[str, Any] = {"id": entry_id, "kind": facts.kind, "name": facts.repo_id.split("/")[-1]}
    about.append("name")
    organization = organization_of(catalog, facts.repo_id)
    account = facts.repo_id.split("/")[0]
    entry["organization"] = organization or todo(f"who released it (the Hub account is '{account}')")
    created = str(meta.get("createdAt") or "")
    if re.match(r"^\d{4}-\d{2}-\d{2}", created):
        entry["released"] = created[:10]
        about.append("released")
        notes.append("released is the Hub repository's creation date; use the project's announcement if earlier")
    entry["summary"] = {
        "en": todo("one or two sentences from the card and README (what it is, who made it, how)"),
        "zh": f"{TODO}：用中文写一两句简介（依据模型卡或数据集卡和README）",
    }
    entry["notes"] = {
        "en": todo(
            "restrictions the README, card or license text states beyond the Hub's license tag "
            "(use, regions, registration); remove notes if there are none"
        ),
        "zh": f"{TODO}：README、模型卡或许可文本中写明的使用限制；若没有，删去notes",
    }
    languages = sorted(hub_languages(meta))
    good = [lang for lang in languages if _LANG_RE.match(lang)]
    entry["languages"] = good or [todo("languages (the Hub lists none the catalog can use)")]
    if good:
        about.append("languages")
    entry["links"] = {"huggingface": facts.repo_id}
    about.append("links")
    entry["sources"] = []
    gated = meta.get("gated")
    if gated:
        entry["status"] = "gated"
        entry["status_note"] = f"The Hub gates access to the files (gated: {gated})."
        about.append("status")
    entry["license"] = {_license_key(facts.kind): _license(catalog, meta, todo)}
    about.append("license")
    if facts.kind == "model":
        about += _model_facts(catalog, facts, entry, todo, notes)
    api_note = _api_note(meta)
    entry["sources"] = _sources(facts, about, api_note, entry)
    return Draft(entry, [value for _, value in todo_values(entry)], notes)


def _license_key(kind: str) -> str:
    return "weights" if kind == "model" else "data"


def _license(catalog: Catalog, meta: dict[str, Any], todo: Any) -> str:
    tag = hub_license(meta)
    known = license_by_tag(catalog)
    if tag and tag in known:
        return known[tag]
    card = meta.get("cardData") or {}
    if tag in VAGUE_LICENSES or tag is None:
        named = card.get("license_name") or card.get("license_link") or "none"
        return str(todo(f"the Hub's license tag is '{tag or 'absent'}' (license_name/link: {named}); read the LICENSE"))
    return str(
        todo(f"the Hub's license tag '{tag}' matches no license record; add catalog/licenses/<id>.yaml with hub_ids")
    )


def _model_facts(catalog: Catalog, facts: HubFacts, entry: dict[str, Any], todo: Any, notes: list[str]) -> list[str]:
    about: list[str] = []
    total = (facts.meta.get("safetensors") or {}).get("total")
    if isinstance(total, int) and not isinstance(total, bool) and total > 0:
        entry["params"] = total
        about.append("params")
    config: dict[str, int] = {}
    if facts.config is not None:
        config, context, _ = config_facts(facts.config)
        if context:
            entry["context_length"] = context
        if not config:
            notes.append("config.json lacks the layer, hidden size or head count keys llmcat knows; config left out")
    models = by_hub_id(catalog, "model")
    bases = hub_base_models(facts.meta)
    if len(bases) == 1 and bases[0].lower() in models:
        entry["base_model"] = models[bases[0].lower()]
        about.append("base_model")
    elif bases:
        entry["base_model"] = todo(
            f"the Hub names base model(s) {', '.join(bases)}; draft the missing entry first (llmcat draft ID), "
            "then give its catalog id"
        )
    datasets = by_hub_id(catalog, "dataset")
    card = facts.meta.get("cardData") or {}
    named = [str(d) for d in (card.get("datasets") or []) if isinstance(d, str)]
    trained = [datasets[d.lower()] for d in named if d.lower() in datasets]
    unknown = [d for d in named if d.lower() not in datasets]
    trained += [todo(f"the Hub names dataset '{d}', which has no catalog entry") for d in unknown]
    if trained:
        entry["trained_on"] = trained
        about.append("trained_on")
    if config:
        entry["config"] = config
    return about


def _api_note(meta: dict[str, Any]) -> str:
    parts = []
    if meta.get("createdAt"):
        parts.append(f"createdAt {meta['createdAt']}")
    tag = hub_license(meta)
    if tag:
        parts.append(f"license tag {tag}")
    total = (meta.get("safetensors") or {}).get("total")
    if total:
        parts.append(f"safetensors.total {total}")
    return "Hub API: " + ", ".join(parts) if parts else "Hub API"


def _sources(facts: HubFacts, about: list[str], api_note: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = [{"url": facts.api_url, "primary": True, "about": about, "note": api_note}]
    if facts.config_url and facts.config is not None:
        _, _, read = config_facts(facts.config)
        cited = [name for name in ("config", "context_length") if name in entry]
        if cited:
            sources.append(
                {"url": facts.config_url, "primary": True, "about": cited, "note": "config.json: " + ", ".join(read)}
            )
    sources.append(
        {
            "url": facts.page_url,
            "primary": True,
            "about": ["summary", "notes"],
            "note": f"{TODO}: read the card, README and LICENSE; cite each with the fields it supports",
        }
    )
    return sources


def existing(catalog: Catalog, entry_id: str, repo_id: str) -> Record | None:
    """The entry a draft would duplicate: same id, or same Hub repository."""
    if entry_id in catalog.records:
        return catalog.records[entry_id]
    for record in catalog.entries():
        if record.get("links", {}).get("huggingface", "").lower() == repo_id.lower():
            return record
    return None


def header(kind: str, repo_id: str) -> str:
    return (
        f"# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"
        f"# Drafted by `llmcat draft {repo_id}` from the Hugging Face Hub. A value starting with TODO is what\n"
        "# the Hub cannot say: replace it with what the primary sources say (and cite them), or remove the\n"
        "# field. llmcat validate refuses this file while a TODO is left.\n"
    )


def draft_text(drafted: Draft, repo_id: str) -> str:
    from llmcat.yamlio import dump

    return header(drafted.entry["kind"], repo_id) + dump(drafted.entry, width=120)


def write_new(path: Path, text: str) -> None:
    """Create ``path``; an existing file is never overwritten."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise LlmcatError(f"{path} already exists; llmcat draft never overwrites a file") from None
    except OSError as exc:
        raise LlmcatError(f"cannot write {path}: {exc.strerror or exc}") from None
