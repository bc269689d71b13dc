"""Which fields of an entry refer to other entries, declared once.

Validation (dangling and wrong-kind references), lineage (the edges a verdict follows), the
store's `edges` table, `show`'s lineage section and the rebuild's dependency walk all read this
table: a new reference field is one line here (a test checks that every id-typed field of the
models is declared). License ids (`license.<role>`, `license_history[].<role>`) are references
too, kept with the license rules.

``CROSS_ENTRY_FIELDS`` declares, beside them, every field that the rules across entries
(`validate`), the lineage verdicts (`lineage`), the rebuild's dependency walk and the rows a
build writes after the verdicts (`database`) read: a build keeps only these in memory and
stores them (`entries.slim`), so a field read there and missing here is a bug a test catches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple


class Reference(NamedTuple):
    field: str
    target: str  # the kind referred to; "same" for the entry's own kind, "upstream" for its lineage
    what: str  # how messages name the target
    role: str  # how lineage trees name the edge; "" for references a verdict does not follow


REFERENCES: tuple[Reference, ...] = (
    Reference("base_model", "model", "base model", "base model"),
    Reference("trained_on", "dataset", "dataset", "trained on"),
    Reference("derived_from", "dataset", "dataset", "derived from"),
    Reference("replaced_by", "same", "entry", ""),
    Reference("based_on", "license", "license", ""),
    Reference("override_covers", "upstream", "upstream entry", ""),
)
LINEAGE: tuple[Reference, ...] = tuple(r for r in REFERENCES if r.role)
LINEAGE_FIELDS: tuple[str, ...] = tuple(r.field for r in LINEAGE)


def targets(record: dict[str, Any], refs: tuple[Reference, ...] = REFERENCES) -> Iterator[tuple[Reference, int, str]]:
    """(reference, position in its list or 0, target id) of every reference a record makes."""
    for ref in refs:
        value = record.get(ref.field)
        for position, target in enumerate([value] if isinstance(value, str) else value or []):
            yield ref, position, target


CROSS_ENTRY_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    *(r.field for r in REFERENCES),
    "license",
    "license_history",
    "aliases",
    "generated_by",
    "override_reason",
    "lineage_note",
)


def slim(record: dict[str, Any]) -> dict[str, Any]:
    """What the rules across entries and the verdicts read of a record: the fields above, or a
    license's whole record (its terms, conditions and output terms; licenses are few)."""
    if record["kind"] == "license":
        return record
    return {field: record[field] for field in CROSS_ENTRY_FIELDS if field in record}
