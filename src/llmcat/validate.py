"""Validation: each file against its schema, then rules across the whole catalog.

``validate_catalog(root)`` returns a :class:`Report` and the valid records; it never prints.
Node positions are only looked up for problems: a file is parsed once, and parsed again
only when a cross-entry rule has something to say about it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import itertools
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from llmcat import lineage, references
from llmcat.catalog import Catalog, Record, fold
from llmcat.discover import Discovery, discover
from llmcat.errors_map import field_path, known_fields, problems_from_validation
from llmcat.gcpause import collector_paused
from llmcat.models import FOLDER_BY_KIND, KIND_BY_FOLDER, LICENSE_KEYS_BY_KIND, MODEL_BY_KIND
from llmcat.problems import Problem, Report, Severity
from llmcat.yamlio import Document, load_file

Loc = tuple[str | int, ...]
# A value starting with this marks what `llmcat draft` could not know; such a file is refused.
TODO = "TODO"
# Cross-entry hooks let later concerns (hardware estimates) add warnings without a cycle.
ExtraRule = Callable[[Catalog], Iterable[tuple[str, Loc, str, str]]]
# Takes each record read from a file and accepted, with its path as messages show it and its
# path relative to the catalog folder; the catalog keeps what it returns (the store writes the
# record to the database and keeps its slim form, see `references.slim`).
Sink = Callable[[Record, str, str], Record]


@dataclass(frozen=True)
class _Pending:
    """A cross-entry problem whose line and column are looked up at the end."""

    entry_id: str
    loc: Loc
    message: str
    code: str
    severity: Severity = "error"


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
    todos = _check_todos(doc)
    problems.extend(todos)
    try:
        entry = model.model_validate(data)
    except ValidationError as exc:
        marked = {p.field for p in todos}  # a TODO is the problem there, not its form
        return None, problems + [p for p in problems_from_validation(exc, doc, model) if p.field not in marked]
    record = entry.model_dump(mode="json", exclude_none=True)
    problems.extend(_check_sources_about(doc, record, model))
    problems.extend(_check_secondary_only(doc, record))
    failed = any(p.severity == "error" for p in problems)
    return (None if failed else record), problems


def todo_values(data: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every text value, at any depth, that starts with TODO, with where it is."""
    if isinstance(data, str):
        return [(loc, data)] if data.lstrip().startswith(TODO) else []
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in todo_values(value, (*loc, str(key)))]
    if isinstance(data, list):
        return [found for i, value in enumerate(data) for found in todo_values(value, (*loc, i))]
    return []


def _check_todos(doc: Document) -> list[Problem]:
    problems = []
    for loc, value in todo_values(doc.data):
        shown = value.strip().splitlines()[0]
        shown = shown if len(shown) <= 100 else shown[:97] + "..."
        problems.append(
            problem_at(doc, loc, f"still a draft ({shown}); replace it with what the primary sources say", "draft-todo")
        )
    return problems


def problem_at(doc: Document, loc: Loc, message: str, code: str, severity: Severity = "error") -> Problem:
    """A problem at the node ``loc`` of a file (its line and column looked up)."""
    line, col = doc.locate(loc)
    return Problem(doc.path, line, col, field_path(loc), message, code, severity)


@functools.cache
def _all_field_names(model: Any) -> frozenset[str]:
    """Field names at every depth of a model (``huggingface`` from ``links`` counts)."""
    names = set(known_fields(model, ()))
    for name in list(names):
        names.update(known_fields(model, (name,)))
    return frozenset(names)


def _check_sources_about(doc: Document, dumped: dict[str, Any], model: Any) -> list[Problem]:
    fields = _all_field_names(model)
    problems = []
    for i, source in enumerate(dumped.get("sources", [])):
        for j, name in enumerate(source["about"]):
            top = name.split(".")[0].split("[")[0]
            if top not in fields:
                hint = difflib.get_close_matches(top, sorted(fields), n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                message = f"'{name}' is not a field of this entry{suggestion}"
                problems.append(problem_at(doc, ("sources", i, "about", j), message, "unknown-about"))
    return problems


def _check_secondary_only(doc: Document, record: Record) -> list[Problem]:
    """A fact is only as good as its best source: warn where only secondary sources back a field."""
    backed: dict[str, bool] = {}
    first: dict[str, int] = {}
    for i, source in enumerate(record.get("sources", [])):
        for name in source["about"]:
            backed[name] = backed.get(name, False) or source["primary"]
            first.setdefault(name, i)
    message = "'{}' is backed only by secondary sources; cite the project's own README, card, paper or license"
    return [
        problem_at(doc, ("sources", first[name], "primary"), message.format(name), "secondary-only", "warning")
        for name, primary in backed.items()
        if not primary
    ]


PARALLEL_FROM = 2000
CHUNK = 500  # items per task of a worker process
CHUNKS_AHEAD = 4  # tasks per worker handed out ahead of the results taken


T = TypeVar("T")
R = TypeVar("R")


def _run_chunk(args: tuple[Callable[[T], R], list[T]]) -> list[R]:
    func, items = args
    return [func(item) for item in items]


def _map(
    func: Callable[[T], R], items: list[T], jobs: int | None, parallel_from: int = PARALLEL_FROM
) -> Generator[R, None, None]:
    """func over items, in order, as the results come: in worker processes when there are many
    (one per core). At most CHUNKS_AHEAD chunks per worker are handed out ahead of the one the
    caller takes, so that a caller that keeps little of each result (the store's build) holds
    a bounded number of results however fast the workers are."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1) if len(items) >= parallel_from else 1
    if workers <= 1 or len(items) < 2:
        yield from map(func, items)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    size = max(1, min(CHUNK, -(-len(items) // (workers * 4))))
    chunks = ((func, items[i : i + size]) for i in range(0, len(items), size))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        ahead = deque(pool.submit(_run_chunk, chunk) for chunk in itertools.islice(chunks, workers * CHUNKS_AHEAD))
        while ahead:
            done = ahead.popleft().result()
            ahead.extend(pool.submit(_run_chunk, chunk) for chunk in itertools.islice(chunks, 1))
            yield from done


def _check_one(args: tuple[Path, Path]) -> tuple[Record | None, list[Problem]]:
    return check_file(*args)


def check_files(
    paths: list[Path], root: Path, jobs: int | None = None
) -> Generator[tuple[Record | None, list[Problem]], None, None]:
    """check_file over many files, in order, as they are checked."""
    return _map(_check_one, [(path, root) for path in paths], jobs)


def validate_catalog(
    root: Path,
    only: Sequence[Path] = (),
    extra_rules: Sequence[ExtraRule] = (),
    jobs: int | None = None,
    known: Mapping[str, Record] | None = None,
    discovery: Discovery | None = None,
    prepare: Callable[[Catalog], None] | None = None,
    sink: Sink | None = None,
    warnings: bool = True,
) -> tuple[Report, Catalog]:
    """Validate every file under ``root``; report on ``only`` (all when empty).

    ``discovery``: the files found under ``root`` (the store walks once for its key and for
    this); by default the folder is walked here. ``prepare`` sees the catalog before the rules
    across entries run (the store hands it the verdicts it can reuse).

    ``jobs``: worker processes for the per-file checks (default: one per core from
    PARALLEL_FROM files on, else none). ``known``: records of files that passed the per-file
    checks unchanged since (by path relative to ``root``, as discovery has it); they are
    not read again. The rules across the catalog always run over every entry. ``sink``: see
    `Sink`; the records of ``known`` do not go through it. ``warnings=False``: the rules across
    entries that can only warn do not run, nor are their warnings located (the store, which
    refuses errors and keeps no warnings).
    """
    with collector_paused():
        root = root.resolve()
        return _validate(
            root, only, extra_rules, jobs, known or {}, discovery or discover(root), prepare, sink, warnings
        )


def _validate(
    root: Path,
    only: Sequence[Path],
    extra_rules: Sequence[ExtraRule],
    jobs: int | None,
    known: Mapping[str, Record],
    discovery: Discovery,
    prepare: Callable[[Catalog], None] | None = None,
    sink: Sink | None = None,
    warnings: bool = True,
) -> tuple[Report, Catalog]:
    report = Report(problems=list(discovery.problems))
    records: dict[str, Record] = {}
    paths: dict[str, str] = {}
    files: dict[str, str] = {}  # id -> file relative to root
    seen_ids: dict[str, str] = {}
    # Paths are built only for the files read: a Path per file costs ~10 us (1 s at 100k).
    checked = check_files([root / f.relative for f in discovery.files if f.relative not in known], root, jobs)
    base = root.name or str(root)
    for found in discovery.files:
        was_known = found.relative in known
        record, problems = (known[found.relative], []) if was_known else next(checked)
        report.checked += 1
        report.problems.extend(problems)
        if record is None:
            continue
        shown = os.path.join(base, found.relative.replace("/", os.sep))  # display_path of the file
        folded = record["id"].casefold()
        if folded in seen_ids:
            report.problems.append(
                Problem(shown, 1, 1, "id", f"id '{record['id']}' is already used by {seen_ids[folded]}", "duplicate-id")
            )
            continue
        seen_ids[folded] = shown
        if sink is not None and not was_known:
            record = sink(record, shown, found.relative)
        records[record["id"]] = record
        paths[record["id"]] = shown
        files[record["id"]] = found.relative
    checked.close()  # every file was taken: this ends the worker processes now
    catalog = Catalog(str(root), records, paths)
    catalog.files = files
    if prepare is not None:
        prepare(catalog)
    pending = [p for p in _cross_entry_rules(catalog, warnings) if warnings or p.severity == "error"]
    for rule in extra_rules:
        pending.extend(_Pending(i, loc, msg, code, "warning") for i, loc, msg, code in rule(catalog))
    report.problems.extend(_locate(pending, catalog, root, jobs))
    if only:
        wanted = tuple(display_path(Path(os.path.abspath(p)).parent.resolve() / Path(p).name, root) for p in only)
        report.problems = [
            p for p in report.problems if p.path in wanted or p.path.startswith(tuple(w + os.sep for w in wanted))
        ]
    report.problems.sort(key=lambda p: (p.path, p.line, p.column, p.code))
    return report, catalog


def _positions(args: tuple[Path, str, list[Loc]]) -> list[tuple[int, int]]:
    """Line and column of each loc in one file (parsed again, with node positions)."""
    path, shown, locs = args
    try:
        doc = Document.positions_only(shown, path.read_text(encoding="utf-8-sig"))
        return [doc.locate(loc) for loc in locs]
    except (OSError, UnicodeDecodeError, ValueError):
        return [(1, 1)] * len(locs)


def _locate(pending: Iterable[_Pending], catalog: Catalog, root: Path, jobs: int | None = None) -> list[Problem]:
    """Cross-entry problems with positions: each file concerned is parsed once more, only now."""
    by_entry: dict[str, list[_Pending]] = {}
    for item in pending:
        by_entry.setdefault(item.entry_id, []).append(item)
    work = [(root / catalog.files[i], catalog.paths[i], [item.loc for item in items]) for i, items in by_entry.items()]
    located = list(_map(_positions, work, jobs, parallel_from=PARALLEL_FROM // 4))
    out = []
    for (entry_id, items), positions in zip(by_entry.items(), located, strict=True):
        for item, (line, col) in zip(items, positions, strict=True):
            out.append(
                Problem(
                    catalog.paths[entry_id], line, col, field_path(item.loc), item.message, item.code, item.severity
                )
            )
    return out


def _cross_entry_rules(catalog: Catalog, warnings: bool = True) -> Iterable[_Pending]:
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
    yield from _check_depth(catalog)
    if not warnings:
        return  # the rules below only warn
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
    for ref, position, target in references.targets(record):
        if ref.field == "based_on":
            continue  # a license's, checked with the licenses
        loc: Loc = (ref.field, position) if isinstance(record[ref.field], list) else (ref.field,)
        if ref.target == "upstream":
            yield from _check_covered(entry_id, record, loc, target)
            continue
        want = record["kind"] if ref.target == "same" else ref.target
        yield from _reference(catalog, entry_id, loc, target, want, ref.what)
    if record.get("base_model") == entry_id:
        yield _Pending(entry_id, ("base_model",), "an entry cannot be its own base model", "cycle")


def _check_covered(entry_id: str, record: Record, loc: Loc, target: str) -> Iterable[_Pending]:
    upstream = [t for _, _, t in references.targets(record, references.LINEAGE)]
    if target not in upstream:
        named = ", ".join(upstream) or "none"
        yield _Pending(
            entry_id,
            loc,
            f"override_covers names '{target}', which is not one of this entry's base model, training or "
            f"source data ({named})",
            "override-covers-not-upstream",
        )


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


def _check_depth(catalog: Catalog) -> Iterable[_Pending]:
    for entry_id, chain in lineage.too_deep(catalog).items():
        shown = " -> ".join([entry_id, *chain[:3], "...", chain[-1]])
        yield _Pending(
            entry_id,
            ("base_model",) if catalog.records[entry_id].get("base_model") else ("id",),
            f"lineage is more than {lineage.MAX_DEPTH} levels deep ({shown}); no real model is built that way",
            "lineage-too-deep",
        )


def _check_aliases(catalog: Catalog) -> Iterable[_Pending]:
    owners: dict[str, str] = {}
    for entry_id, record in catalog.records.items():
        for i, alias in enumerate(record.get("aliases", [])):
            key = fold(alias)  # NFKC and case folding: a full-width ＬＬａＭＡ-13B is LLaMA-13B
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
    verdicts = lineage.cache_for(catalog)
    for entry_id, record in catalog.records.items():
        if record["kind"] == "license" or record.get("override_reason") or record.get("lineage_note"):
            continue
        if lineage.license_status(catalog, lineage.license_id(record)) != "yes":
            continue  # the warning is about a permissive own license only
        verdict = verdicts.get(entry_id)
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


_AGE_RE = re.compile(r"^\s*(\d+)\s*([dwy])\s*$")
_AGE_DAYS = {"d": 1, "w": 7, "y": 365}


def parse_age(text: str) -> int:
    """'365d', '52w', '1y' -> days."""
    match = _AGE_RE.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not an age; write e.g. 365d, 52w or 1y")
    return int(match.group(1)) * _AGE_DAYS[match.group(2)]


def stale_sources(max_days: int, today: dt.date) -> ExtraRule:
    """Warnings on sources last checked more than ``max_days`` before ``today``, or never recorded."""

    def rule(catalog: Catalog) -> Iterable[tuple[str, Loc, str, str]]:
        for entry_id, record in catalog.records.items():
            for i, source in enumerate(record.get("sources", [])):
                checked = source.get("checked")
                if checked is None:
                    yield (
                        entry_id,
                        ("sources", i),
                        f"source {source['url']} has no checked date (never recorded); read it again and add "
                        "checked: YYYY-MM-DD",
                        "stale-source",
                    )
                    continue
                age = (today - dt.date.fromisoformat(checked)).days
                if age < 0:
                    yield (
                        entry_id,
                        ("sources", i, "checked"),
                        f"checked date {checked} is in the future",
                        "stale-source",
                    )
                elif age > max_days:
                    yield (
                        entry_id,
                        ("sources", i, "checked"),
                        f"source last checked {checked}, {age} days ago (more than {max_days}); read it again",
                        "stale-source",
                    )

    return rule
