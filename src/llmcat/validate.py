"""Validation: each file against its schema, then rules across the whole catalog.

``validate_catalog(root)`` returns a :class:`Report` and the valid records; it never prints.
Node positions are only looked up for problems: a file is parsed once, and parsed again
only when a cross-entry rule has something to say about it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.errors_map import field_path, known_fields, problems_from_validation
from llmcat.index import catalog_files
from llmcat.models import FOLDER_BY_KIND, KIND_BY_FOLDER, LICENSE_KEYS_BY_KIND, MODEL_BY_KIND
from llmcat.problems import Problem, Report, Severity
from llmcat.yamlio import Document, load_file

Loc = tuple[str | int, ...]
# Cross-entry hooks let later concerns (hardware estimates) add warnings without a cycle.
ExtraRule = Callable[[Catalog], Iterable[tuple[str, Loc, str, str]]]


@dataclass(frozen=True)
class _Pending:
    """A cross-entry problem whose line and column are looked up at the end."""

    entry_id: str
    loc: Loc
    message: str
    code: str
    severity: Severity = "error"


def discover(root: Path) -> list[Path]:
    return catalog_files(root)


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent)) if root.name else str(path)
    except ValueError:
        return str(path)


def check_file(path: Path, root: Path) -> tuple[Record | None, list[Problem]]:
    """One file: the YAML policy, then the schema of its folder. Returns a record or problems."""
    shown = display_path(path, root)
    folder = path.parent.name if path.parent.parent == root else ""
    if path.suffix != ".yaml":
        return None, [Problem(shown, 1, 1, "", "catalog files end in .yaml", "bad-extension")]
    if folder not in KIND_BY_FOLDER:
        folders = ", ".join(f"{f}/" for f in KIND_BY_FOLDER)
        return None, [
            Problem(shown, 1, 1, "", f"not in a catalog folder; put it in one of {folders}", "unknown-folder")
        ]
    loaded = load_file(path, shown)
    if isinstance(loaded, Problem):
        return None, [loaded]
    return check_document(loaded, KIND_BY_FOLDER[folder], path.stem)


def check_document(doc: Document, folder_kind: str, stem: str) -> tuple[Record | None, list[Problem]]:
    data = doc.data
    declared = data.get("kind")
    kind = declared if isinstance(declared, str) and declared in MODEL_BY_KIND else folder_kind
    problems: list[Problem] = []
    if isinstance(declared, str) and declared in MODEL_BY_KIND and declared != folder_kind:
        line, col = doc.locate(("kind",))
        problems.append(
            Problem(
                doc.path,
                line,
                col,
                "kind",
                f"kind is '{declared}' but the file is in {FOLDER_BY_KIND[folder_kind]}/; "
                f"move it to {FOLDER_BY_KIND[declared]}/",
                "kind-mismatch",
            )
        )
    entry_id = data.get("id")
    if isinstance(entry_id, str) and entry_id != stem:
        line, col = doc.locate(("id",))
        problems.append(
            Problem(
                doc.path, line, col, "id", f"id '{entry_id}' differs from the file name '{stem}.yaml'", "id-mismatch"
            )
        )
    model = MODEL_BY_KIND[kind]
    try:
        entry = model.model_validate(data)
    except ValidationError as exc:
        return None, problems + problems_from_validation(exc, doc, model)
    problems.extend(_check_sources_about(doc, entry.model_dump(), model))
    record = entry.model_dump(mode="json", exclude_none=True)
    return (None if problems else record), problems


def _all_field_names(model: Any) -> set[str]:
    """Field names at every depth of a model (``huggingface`` from ``links`` counts)."""
    names = set(known_fields(model, ()))
    for name in list(names):
        names.update(known_fields(model, (name,)))
    return names


def _check_sources_about(doc: Document, dumped: dict[str, Any], model: Any) -> list[Problem]:
    fields = _all_field_names(model)
    problems = []
    for i, source in enumerate(dumped.get("sources", [])):
        for j, name in enumerate(source["about"]):
            top = name.split(".")[0].split("[")[0]
            if top not in fields:
                loc: Loc = ("sources", i, "about", j)
                line, col = doc.locate(loc)
                hint = difflib.get_close_matches(top, sorted(fields), n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                problems.append(
                    Problem(
                        doc.path,
                        line,
                        col,
                        field_path(loc),
                        f"'{name}' is not a field of this entry{suggestion}",
                        "unknown-about",
                    )
                )
    return problems


def validate_catalog(
    root: Path,
    only: Sequence[Path] = (),
    extra_rules: Sequence[ExtraRule] = (),
) -> tuple[Report, Catalog]:
    """Validate every file under ``root``; report on ``only`` (all when empty)."""
    root = root.resolve()
    report = Report()
    records: dict[str, Record] = {}
    paths: dict[str, str] = {}
    files: dict[str, Path] = {}
    seen_ids: dict[str, str] = {}
    for path in discover(root):
        report.checked += 1
        record, problems = check_file(path, root)
        report.problems.extend(problems)
        if record is None:
            continue
        shown = display_path(path, root)
        folded = record["id"].casefold()
        if folded in seen_ids:
            report.problems.append(
                Problem(shown, 1, 1, "id", f"id '{record['id']}' is already used by {seen_ids[folded]}", "duplicate-id")
            )
            continue
        seen_ids[folded] = shown
        records[record["id"]] = record
        paths[record["id"]] = shown
        files[record["id"]] = path
    catalog = Catalog(str(root), records, paths)
    pending = list(_cross_entry_rules(catalog))
    for rule in extra_rules:
        pending.extend(_Pending(i, loc, msg, code, "warning") for i, loc, msg, code in rule(catalog))
    report.problems.extend(_locate(pending, catalog, files))
    if only:
        wanted = {display_path(p.resolve(), root) for p in only}
        report.problems = [p for p in report.problems if p.path in wanted]
    report.problems.sort(key=lambda p: (p.path, p.line, p.column, p.code))
    return report, catalog


def _locate(pending: Iterable[_Pending], catalog: Catalog, files: dict[str, Path]) -> list[Problem]:
    docs: dict[str, Document | None] = {}
    out = []
    for item in pending:
        if item.entry_id not in docs:
            loaded = load_file(files[item.entry_id], catalog.paths[item.entry_id])
            docs[item.entry_id] = loaded if isinstance(loaded, Document) else None
        doc = docs[item.entry_id]
        line, col = doc.locate(item.loc) if doc else (1, 1)
        out.append(
            Problem(
                catalog.paths[item.entry_id], line, col, field_path(item.loc), item.message, item.code, item.severity
            )
        )
    return out


_REF_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("base_model", "model", "base model"),
    ("trained_on", "dataset", "dataset"),
    ("derived_from", "dataset", "dataset"),
)


def _cross_entry_rules(catalog: Catalog) -> Iterable[_Pending]:
    used_licenses: set[str] = set()
    for entry_id, record in catalog.records.items():
        if record["kind"] == "license":
            if record.get("based_on"):
                used_licenses.add(record["based_on"])
                yield from _reference(catalog, entry_id, ("based_on",), record["based_on"], "license", "license")
            continue
        yield from _check_references(catalog, entry_id, record)
        yield from _check_licenses(catalog, entry_id, record, used_licenses)
    yield from _check_cycles(catalog, "base_model")
    yield from _check_cycles(catalog, "derived_from")
    yield from _check_aliases(catalog)
    for license_record in catalog.licenses():
        if license_record["id"] not in used_licenses and not license_record.get("applies_to_outputs_of"):
            yield _Pending(
                license_record["id"], ("id",), "license is not used by any entry", "unused-license", "warning"
            )
    yield from _check_inherited_restrictions(catalog)


def _reference(catalog: Catalog, entry_id: str, loc: Loc, target: str, want_kind: str, what: str) -> Iterable[_Pending]:
    found = catalog.get(target)
    if found is None:
        candidates = [i for i, r in catalog.records.items() if r["kind"] == want_kind]
        close = difflib.get_close_matches(target, candidates, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        yield _Pending(entry_id, loc, f"{what} '{target}' is not in the catalog{hint}", "dangling-reference")
    elif found["kind"] != want_kind:
        yield _Pending(
            entry_id,
            loc,
            f"'{target}' is a {found['kind']}, but {field_path(loc[:1])} needs a {want_kind}",
            "wrong-kind-reference",
        )


def _check_references(catalog: Catalog, entry_id: str, record: Record) -> Iterable[_Pending]:
    for name, want_kind, what in _REF_FIELDS:
        value = record.get(name)
        if isinstance(value, str):
            yield from _reference(catalog, entry_id, (name,), value, want_kind, what)
        elif isinstance(value, list):
            for i, target in enumerate(value):
                yield from _reference(catalog, entry_id, (name, i), target, want_kind, what)
    replaced_by = record.get("replaced_by")
    if replaced_by:
        yield from _reference(catalog, entry_id, ("replaced_by",), replaced_by, record["kind"], "entry")
    if record.get("base_model") == entry_id:
        yield _Pending(entry_id, ("base_model",), "an entry cannot be its own base model", "cycle")


def _check_licenses(catalog: Catalog, entry_id: str, record: Record, used: set[str]) -> Iterable[_Pending]:
    allowed = LICENSE_KEYS_BY_KIND[record["kind"]]
    for key, license_id in record.get("license", {}).items():
        used.add(license_id)
        yield from _reference(catalog, entry_id, ("license", key), license_id, "license", "license")
    history = record.get("license_history", [])
    for i, change in enumerate(history):
        for key in ("weights", "data", "code"):
            if key not in change:
                continue
            used.add(change[key])
            if key not in allowed:
                yield _Pending(
                    entry_id,
                    ("license_history", i, key),
                    f"a {record['kind']} has no '{key}' license; use {' or '.join(allowed)}",
                    "bad-history-key",
                )
            else:
                yield from _reference(catalog, entry_id, ("license_history", i, key), change[key], "license", "license")
    if history:
        latest = history[-1]
        for key, current in record.get("license", {}).items():
            if key in latest and latest[key] != current:
                yield _Pending(
                    entry_id,
                    ("license", key),
                    f"license.{key} is '{current}' but the latest license_history entry says '{latest[key]}'",
                    "history-mismatch",
                    "warning",
                )


def _check_cycles(catalog: Catalog, link: str) -> Iterable[_Pending]:
    def parents(entry_id: str) -> list[str]:
        value = catalog.records.get(entry_id, {}).get(link)
        if isinstance(value, str):
            return [value] if value != entry_id else []
        return [v for v in value or [] if v != entry_id]

    reported: set[frozenset[str]] = set()
    for start in catalog.records:
        path = lineage.find_cycle(start, parents)
        if path and frozenset(path) not in reported and path[0] == start:
            reported.add(frozenset(path))
            chain = " -> ".join([*path, path[0]])
            yield _Pending(start, (link,), f"{link} forms a cycle: {chain}", "cycle")


def _check_aliases(catalog: Catalog) -> Iterable[_Pending]:
    owners: dict[str, str] = {}
    for entry_id, record in catalog.records.items():
        for i, alias in enumerate(record.get("aliases", [])):
            key = alias.casefold()
            if key in catalog.records and key != entry_id:
                yield _Pending(
                    entry_id,
                    ("aliases", i),
                    f"alias '{alias}' is the id of another entry",
                    "alias-shadows-id",
                    "warning",
                )
            elif key in owners and owners[key] != entry_id:
                yield _Pending(
                    entry_id,
                    ("aliases", i),
                    f"alias '{alias}' is also an alias of {owners[key]}",
                    "ambiguous-alias",
                    "warning",
                )
            owners.setdefault(key, entry_id)


def _check_inherited_restrictions(catalog: Catalog) -> Iterable[_Pending]:
    for entry_id, record in catalog.records.items():
        if record["kind"] == "license" or record.get("override_reason") or record.get("lineage_note"):
            continue
        verdict = lineage.verdict(catalog, entry_id)
        if verdict.declared == "yes" and verdict.effective == "no":
            cause = verdict.reasons[0].text if verdict.reasons else "an upstream entry"
            yield _Pending(
                entry_id,
                ("license",),
                f"declared license allows commercial use, but the lineage does not ({cause}); "
                "add override_reason with a source if inheritance does not apply, or lineage_note once reviewed",
                "inherited-restriction",
                "warning",
            )
