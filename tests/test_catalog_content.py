"""The shipped catalog: valid, complete for the seed systems, every fact with a source."""

from __future__ import annotations

import re

import pytest

from llmcat.catalog import Catalog
from llmcat.validate import validate_catalog
from tests.conftest import CATALOG

REQUIRED_IDS = {
    "model": [
        "chatglm-6b",
        "aquila-7b",
        "aquilachat-7b",
        "aquilacode-7b",
        "chinese-llama-7b",
        "chinese-alpaca-7b",
        "alpaca-7b",
        "falcon-7b",
        "falcon-40b",
        "falcon-7b-instruct",
        "falcon-40b-instruct",
        "opt-13b",
        "opt-175b",
        "pythia-12b",
        "pythia-6.9b",
        "gpt-neox-20b",
        "gpt-neoxt-chat-base-20b",
        "mpt-7b",
        "moss-moon-003-base",
        "moss-moon-003-sft",
        "chatyuan-large-v2",
        "dolly-v1-6b",
        "dolly-v2-12b",
        "gpt-j-6b",
        "llama-7b",
        "llama-13b",
        "vicuna-13b",
    ],
    "dataset": [
        "the-pile",
        "redpajama-data-1t",
        "refinedweb",
        "oig",
        "databricks-dolly-15k",
        "alpaca-data",
        "alpaca-data-cleaned",
        "gpt-4-llm",
        "baize-data",
        "c4",
    ],
    "toolkit": [
        "peft",
        "deepspeed-chat",
        "fastchat",
        "colossalai",
        "lmflow",
        "flagai",
        "openchatkit",
        "palm-rlhf-pytorch",
        "chatllama",
        "gpt-neox",
    ],
}
SEED_NAMES = [
    "Chinese-LLaMA",
    "Chinese-Alpaca",
    "悟道·天鹰",
    "ChatGLM",
    "stanford-alpaca",
    "belle",
    "Falcon",
    "pile",
    "OPT",
    "pythia",
    "GPT-NeoX",
    "OIG",
    "GPT-NeoXT-Chat-Base-20B",
    "OpenChatKit",
    "RedPajama-Data",
    "MOSS",
    "ChatYuan",
    "ColossalAI",
    "PaLM-rlhf-pytorch",
    "ChatLLaMA",
    "deepspeed-chat",
    "PEFT",
    "databricks-dolly-15k",
    "AlpacaDataCleaned",
    "gpt-4-llm",
    "骆驼",
    "丝绸之路",
    "dolly",
    "chinese-vicuna",
    "FastChat",
    "LMFlow",
    "baize",
    "luotuo",
    "moss",
    "redpajama-incite",
    "mpt",
]
LICENSES = [
    "apache-2.0",
    "mit",
    "gpl-3.0",
    "agpl-3.0",
    "cc-by-nc-4.0",
    "cc-by-sa-3.0",
    "odc-by-1.0",
    "llama-license",
    "opt-175b-license",
    "chatglm-6b-license",
    "baai-aquila-license",
    "falcon-llm-license-1.0",
    "bigscience-rail-1.0",
    "openai-terms",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    report, cat = validate_catalog(CATALOG)
    assert not report.problems, "\n".join(p.format() for p in report.problems)
    return cat


def test_shipped_catalog_validates_without_errors_or_warnings(catalog: Catalog) -> None:
    assert len(list(catalog.entries())) >= 80
    assert len(list(catalog.licenses())) >= 15


@pytest.mark.parametrize(("kind", "entry_id"), [(k, i) for k, ids in REQUIRED_IDS.items() for i in ids])
def test_required_ids_exist(catalog: Catalog, kind: str, entry_id: str) -> None:
    assert catalog.records[entry_id]["kind"] == kind


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_seed_system_resolves(catalog: Catalog, name: str) -> None:
    assert catalog.resolve(name), f"'{name}' resolves to nothing"


@pytest.mark.parametrize("license_id", LICENSES)
def test_required_licenses_exist(catalog: Catalog, license_id: str) -> None:
    assert catalog.records[license_id]["kind"] == "license"


def test_every_entry_has_a_source_url(catalog: Catalog) -> None:
    for record in catalog.records.values():
        assert record["sources"] and all(s["url"].startswith("https://") for s in record["sources"]), record["id"]


def test_every_fine_tuned_seed_model_names_its_lineage(catalog: Catalog) -> None:
    tuned = [
        "alpaca-7b",
        "chinese-alpaca-7b",
        "vicuna-13b",
        "dolly-v2-12b",
        "gpt-neoxt-chat-base-20b",
        "falcon-7b-instruct",
        "moss-moon-003-sft",
        "belle-7b-2m",
        "baize-7b",
        "chinese-vicuna-7b",
    ]
    for entry_id in tuned:
        record = catalog.records[entry_id]
        assert record.get("base_model") or record.get("trained_on"), entry_id
        for ref in [record.get("base_model"), *record.get("trained_on", [])]:
            assert ref is None or ref in catalog.records, (entry_id, ref)


GLOSSARY_FORBIDDEN = {"token": ("标识符", "词元", "令牌"), "GPU memory": ("GPU 内存", "GPU内存")}


def _zh_texts(value: object, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in _zh_texts(v, k)]
    if isinstance(value, list):
        return [text for v in value for text in _zh_texts(v, key)]
    return [value] if key == "zh" and isinstance(value, str) else []


@pytest.mark.parametrize("term", sorted(GLOSSARY_FORBIDDEN))
def test_zh_text_uses_the_glossary_term(catalog: Catalog, term: str) -> None:
    wrong = [
        (entry_id, word)
        for entry_id, record in catalog.records.items()
        for text in _zh_texts(record)
        for word in GLOSSARY_FORBIDDEN[term]
        if word in text
    ]
    assert not wrong, f"catalog/README.md's glossary writes {term} otherwise: {wrong}"


def test_no_zh_text_has_a_space_between_chinese_characters(catalog: Catalog) -> None:
    spaced = re.compile(r"[\u3400-\u9fff][ \u00a0]+[\u3400-\u9fff]")
    assert not [i for i, r in catalog.records.items() for t in _zh_texts(r) if spaced.search(t)]
