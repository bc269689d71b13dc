"""Findings of the catalog sweep over the international base models and datasets, pinned on the shipped catalog.

Each test names a fact a publisher states in its own README, card or terms, and checks that the verdicts follow it.
"""

from __future__ import annotations

import pytest

from llmcat import lineage
from llmcat.catalog import Catalog
from llmcat.validate import validate_catalog
from tests.conftest import CATALOG


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    report, cat = validate_catalog(CATALOG)
    assert not report.errors, [p.format() for p in report.errors]
    return cat


def test_wikipedia_text_is_cc_by_sa_4_since_the_2023_terms_of_use(catalog: Catalog) -> None:
    assert lineage.license_id(catalog.records["wikipedia"]) == "cc-by-sa-4.0"
    assert lineage.license_id(catalog.records["wikipedia"], as_of="2023-06-06") == "cc-by-sa-3.0"
    assert lineage.license_id(catalog.records["wikipedia"], as_of="2023-06-07") == "cc-by-sa-4.0"
    assert lineage.verdict(catalog, "wikipedia").effective == "yes"


@pytest.mark.parametrize("entry_id", ["codegen-16b-mono", "gpt-neoxt-chat-base-20b"])
def test_a_stated_research_only_term_beats_a_permissive_file(catalog: Catalog, entry_id: str) -> None:
    verdict = lineage.verdict(catalog, entry_id)
    assert verdict.declared == "no", verdict.reasons
    assert catalog.records[catalog.records[entry_id]["license"]["weights"]]["based_on"] in (
        "apache-2.0",
        "bsd-3-clause",
    )


def test_codegen_was_bsd_licensed_before_its_2025_research_only_statement(catalog: Catalog) -> None:
    assert lineage.verdict(catalog, "codegen-16b-mono", as_of="2024-12-31").declared == "yes"
    assert lineage.verdict(catalog, "codegen-16b-mono", as_of="2025-01-31").declared == "no"


def test_models_built_on_codegen_inherit_its_stated_terms(catalog: Catalog) -> None:
    assert lineage.verdict(catalog, "moss-moon-003-base").effective == "no"


def test_chatgpt_named_only_as_a_product_is_recorded_as_one(catalog: Catalog) -> None:
    generators = catalog.records["sharegpt"]["generated_by"]
    assert {"model": "ChatGPT", "named": "product"}.items() <= generators[0].items()
    assert "gpt-3.5-turbo" not in [g["model"] for g in generators]
    assert lineage.verdict(catalog, "vicuna-13b").effective == "no"
