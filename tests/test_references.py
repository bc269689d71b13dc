"""Reference fields are declared once (llmcat.references) and every reader follows that table."""

from __future__ import annotations

from llmcat.models import MODEL_BY_KIND
from llmcat.references import REFERENCES

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
    from tests.conftest import CATALOG

    catalog = store.open_catalog(CATALOG)
    stored = {row[0] for row in catalog.conn.execute("SELECT DISTINCT field FROM edges")}
    assert {r.field for r in REFERENCES} <= stored
