"""Reference fields are declared once (llmcat.references) and every reader follows that table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pytest

from llmcat.models import MODEL_BY_KIND
from llmcat.references import REFERENCES
from tests.conftest import CATALOG, GOLDEN

NOT_REFERENCES = {"id", "family"}  # ids of the entry itself and of a family, not of another entry


def test_every_id_typed_field_of_the_models_is_a_declared_reference() -> None:
    id_typed = {
        name
        for model in MODEL_BY_KIND.values()
        for name, info in model.model_fields.items()
        if "_check_id" in repr(info.annotation) + repr(info.metadata)
    }
    assert id_typed - NOT_REFERENCES == {r.field for r in REFERENCES}


def test_the_store_records_every_declared_reference_as_an_edge() -> None:
    from llmcat import store

    catalog = store.open_catalog(CATALOG)
    stored = {row[0] for row in catalog.conn.execute("SELECT DISTINCT field FROM edges")}
    assert {r.field for r in REFERENCES} <= stored


class _Watched(dict):  # type: ignore[type-arg]
    """A record that notes every field read of it."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key: str) -> Any:
        _Watched.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        _Watched.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        _Watched.read.add(str(key))
        return super().__contains__(key)


def test_the_rules_across_entries_and_the_verdicts_read_only_the_declared_fields() -> None:
    from llmcat import database, lineage, validate
    from llmcat.catalog import Catalog
    from llmcat.references import CROSS_ENTRY_FIELDS

    _, whole = validate.validate_catalog(CATALOG)
    licenses = {i: r for i, r in whole.records.items() if r["kind"] == "license"}  # kept whole
    watched = {i: r if i in licenses else _Watched(r) for i, r in whole.records.items()}
    catalog = Catalog(whole.root, watched, whole.paths)
    catalog.files = whole.files
    _Watched.read = set()
    assert list(validate._cross_entry_rules(catalog)) == list(validate._cross_entry_rules(whole))
    verdicts = lineage.cache_for(catalog)
    for entry_id in watched:
        verdicts.get(entry_id).to_json()
        database._generator_rows(watched[entry_id], catalog)
    assert _Watched.read and _Watched.read <= set(CROSS_ENTRY_FIELDS)


def _slim_and_whole(root: Path) -> tuple[Any, Any]:
    from llmcat.references import slim
    from llmcat.validate import validate_catalog

    return validate_catalog(root, sink=lambda record, shown, file: slim(record)), validate_catalog(root)


@pytest.mark.parametrize("case", [None, *sorted(p.name for p in (GOLDEN / "cases").iterdir())])
def test_slim_records_give_the_same_problems_and_verdicts_as_whole_ones(
    case: str | None, mini_catalog: Callable[[str | None], Path]
) -> None:
    from llmcat import lineage

    root = CATALOG if case is None else mini_catalog(case)
    (slim_report, slim), (whole_report, whole) = _slim_and_whole(root)
    assert slim_report.problems == whole_report.problems
    assert list(slim.records) == list(whole.records)
    slim_verdicts, whole_verdicts = lineage.cache_for(slim), lineage.cache_for(whole)
    for entry_id in whole.records:
        assert slim_verdicts.get(entry_id).to_json() == whole_verdicts.get(entry_id).to_json()
