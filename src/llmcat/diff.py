"""What a change to the catalog does: entries added, removed and changed, and every verdict it moves.

``catalog_at(spec, catalog)`` turns a git revision (or a folder) into a catalog folder, extracting
the revision into a temporary directory without touching the working tree; ``compare(before,
after)`` returns a :class:`CatalogDiff`. Nothing here prints.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple, TypedDict

from llmcat import lineage
from llmcat.catalog import Catalog, Record
from llmcat.problems import LlmcatError, Report
from llmcat.validate import validate_catalog

# Fields whose change moves a verdict: the lineage edges and what stops inheritance.
EDGE_FIELDS = ("base_model", "trained_on", "derived_from", "generated_by")
LICENSE_FACTS = ("commercial", "conditions", "based_on", "applies_to_outputs_of")


class Side(TypedDict):
    declared: str
    effective: str


class VerdictChange(TypedDict):
    id: str
    before: Side
    after: Side
    because: list[str]


class Changed(TypedDict):
    id: str
    fields: list[str]


class CatalogDiff(NamedTuple):
    added: list[str]
    removed: list[str]
    changed: list[Changed]
    verdicts: list[VerdictChange]
    # Per side, the files that fail validation: the diff covers valid entries only.
    invalid: dict[str, list[str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [dict(c) for c in self.changed],
            "verdicts": [dict(v) for v in self.verdicts],
        }


# --- the two sides ---------------------------------------------------------------------


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=120)
    except FileNotFoundError:
        raise LlmcatError("git is not installed; give two catalog folders instead of revisions") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LlmcatError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done.stdout


def _repository(catalog: Path) -> tuple[Path, str]:
    """The git work tree holding ``catalog`` and the catalog's path inside it."""
    try:
        top = Path(_git(catalog, "rev-parse", "--show-toplevel").decode().strip())
    except LlmcatError:
        raise LlmcatError(
            f"'{catalog}' is not inside a git repository; give --catalog a checkout's catalog folder, "
            "or two catalog folders"
        ) from None
    relative = catalog.resolve().relative_to(top.resolve())
    return top, relative.as_posix() or "."


def _extract(repo: Path, revision: str, inside: str, into: Path) -> Path:
    """The catalog folder as it was at ``revision``, written under ``into`` (regular files only)."""
    if revision.startswith("-"):
        raise LlmcatError(f"'{revision}' is not a revision")
    try:
        commit = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    except LlmcatError:
        raise LlmcatError(f"'{revision}' is neither a catalog folder nor a git revision of {repo}") from None
    archive = _git(repo, "archive", "--format=tar", commit.decode().strip(), "--", inside)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                continue
            target = into.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
    root = into.joinpath(*PurePosixPath(inside).parts)
    root.mkdir(parents=True, exist_ok=True)  # a revision without the catalog is an empty catalog
    return root


@contextmanager
def catalog_at(spec: str | None, catalog: Path) -> Iterator[Path]:
    """A catalog folder for ``spec``: an existing folder, a git revision, or (None) ``catalog`` itself."""
    if spec is None:
        yield catalog
        return
    as_folder = Path(spec)
    if as_folder.is_dir():
        yield as_folder
        return
    repo, inside = _repository(catalog)
    with tempfile.TemporaryDirectory(prefix="llmcat-diff-") as temp:
        yield _extract(repo, spec, inside, Path(temp))


def diff_specs(base: str, head: str | None, catalog: Path) -> CatalogDiff:
    """Validate both sides and compare them."""
    with ExitStack() as stack:
        before_root = stack.enter_context(catalog_at(base, catalog))
        after_root = stack.enter_context(catalog_at(head, catalog))
        before_report, before = validate_catalog(before_root)
        after_report, after = validate_catalog(after_root)
    return compare(before, after, {"before": _invalid(before_report), "after": _invalid(after_report)})


def _invalid(report: Report) -> list[str]:
    """Ids (file names) of the files with errors."""
    return sorted({PurePosixPath(p.path.replace("\\", "/")).stem for p in report.errors})


# --- the comparison --------------------------------------------------------------------


def compare(before: Catalog, after: Catalog, invalid: dict[str, list[str]] | None = None) -> CatalogDiff:
    """Entries whose file fails validation on one side are neither added nor removed."""
    invalid = invalid or {"before": [], "after": []}
    old, new = before.records, after.records
    added = sorted(set(new) - set(old) - set(invalid["before"]))
    removed = sorted(set(old) - set(new) - set(invalid["after"]))
    changed: list[Changed] = []
    for entry_id in sorted(set(old) & set(new)):
        fields = changed_fields(old[entry_id], new[entry_id])
        if fields:
            changed.append({"id": entry_id, "fields": fields})
    verdicts = [
        change
        for entry_id in sorted(set(old) & set(new))
        if new[entry_id]["kind"] != "license"
        for change in [verdict_change(before, after, entry_id, invalid)]
        if change is not None
    ]
    return CatalogDiff(added, removed, changed, verdicts, invalid)


def changed_fields(old: Record, new: Record, prefix: str = "") -> list[str]:
    """Names of the fields that differ, dotted one level into mappings (license.weights)."""
    out = []
    for key in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if not prefix and isinstance(a, dict) and isinstance(b, dict):
            out.extend(changed_fields(a, b, f"{key}."))
        else:
            out.append(f"{prefix}{key}")
    return out


def _side(verdict: lineage.Verdict) -> Side:
    return {"declared": verdict.declared, "effective": verdict.effective}


def _condition_keys(verdict: lineage.Verdict) -> list[tuple[str, str]]:
    return sorted((c.get("license", ""), c["en"]) for c in verdict.conditions)


def verdict_change(
    before: Catalog, after: Catalog, entry_id: str, invalid: dict[str, list[str]] | None = None
) -> VerdictChange | None:
    old = lineage.cache_for(before).get(entry_id)
    new = lineage.cache_for(after).get(entry_id)
    if _side(old) == _side(new) and _condition_keys(old) == _condition_keys(new):
        return None
    because = causes(before, after, entry_id, invalid)
    if _condition_keys(old) != _condition_keys(new) and _side(old) == _side(new):
        because = because or ["the conditions of a license in the lineage changed"]
    return {"id": entry_id, "before": _side(old), "after": _side(new), "because": because or ["the lineage changed"]}


# --- why a verdict moved ---------------------------------------------------------------


def lineage_paths(catalog: Catalog, entry_id: str) -> dict[str, tuple[str, ...]]:
    """Every entry upstream of ``entry_id`` (itself included) with the shortest path to it."""
    paths: dict[str, tuple[str, ...]] = {entry_id: (entry_id,)}
    queue = [entry_id]
    while queue:
        current = queue.pop(0)
        record = catalog.get(current) or {}
        for parent in _parents(record):
            if parent not in paths:
                paths[parent] = (*paths[current], parent)
                queue.append(parent)
    return paths


def _parents(record: Record) -> list[str]:
    out = [record["base_model"]] if record.get("base_model") else []
    return out + list(record.get("trained_on", [])) + list(record.get("derived_from", []))


def _generators(record: Record) -> list[str]:
    return [g["model"] for g in record.get("generated_by", [])]


def causes(before: Catalog, after: Catalog, entry_id: str, invalid: dict[str, list[str]] | None = None) -> list[str]:
    """What changed along the entry's lineage (before and after), nearest first."""
    invalid = invalid or {"before": [], "after": []}
    old_paths, new_paths = lineage_paths(before, entry_id), lineage_paths(after, entry_id)
    found: list[tuple[int, str]] = []
    for upstream in dict.fromkeys([*new_paths, *old_paths]):
        path = new_paths.get(upstream) or old_paths[upstream]
        old, new = before.get(upstream), after.get(upstream)
        if old is None or new is None:
            if _edge_unchanged(before, after, path):
                found.append((len(path), f"{_via(path)}{_presence(before, after, upstream, invalid)}"))
            continue  # otherwise the changed edge says it
        for text in _entry_causes(before, after, upstream, old, new):
            found.append((len(path), f"{_via(path)}{text}"))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


def _edge_unchanged(before: Catalog, after: Catalog, path: tuple[str, ...]) -> bool:
    """The last step of ``path`` exists on both sides (the entry it leads to came or went)."""
    child = path[-2] if len(path) > 1 else None
    if child is None:
        return True
    old, new = before.get(child), after.get(child)
    return old is not None and new is not None and path[-1] in _parents(old) and path[-1] in _parents(new)


def _presence(before: Catalog, after: Catalog, entry_id: str, invalid: dict[str, list[str]]) -> str:
    if after.get(entry_id) is None:
        if entry_id in invalid["after"]:
            return f"{entry_id} no longer validates (left out after)"
        return f"{entry_id} was removed"
    status = lineage.cache_for(after).get(entry_id).effective
    if entry_id in invalid["before"]:
        return f"{entry_id} did not validate before (left out), now effective {status}"
    return f"{entry_id} was added (effective {status})"


def _via(path: tuple[str, ...]) -> str:
    return f"{' -> '.join(path)}: " if len(path) > 1 else ""


def _status(catalog: Catalog, license_id: str | None) -> str:
    return lineage.license_status(catalog, license_id)


def _entry_causes(before: Catalog, after: Catalog, entry_id: str, old: Record, new: Record) -> Iterator[str]:
    what = f"{lineage.LICENSE_KEY.get(new['kind'], 'code')} license"
    old_lic, new_lic = lineage.license_id(old), lineage.license_id(new)
    if old_lic != new_lic:
        yield (
            f"{entry_id}'s {what} changed from '{old_lic}' ({_status(before, old_lic)}) "
            f"to '{new_lic}' ({_status(after, new_lic)})"
        )
    elif new_lic:
        yield from _license_record_causes(before, after, new_lic, f"{entry_id}'s {what}")
    for name in EDGE_FIELDS:
        yield from _edge_causes(before, after, entry_id, name, old, new)
    if bool(old.get("override_reason")) != bool(new.get("override_reason")):
        yield f"{entry_id}'s override_reason was {'added' if new.get('override_reason') else 'removed'}"
    elif old.get("override_covers") != new.get("override_covers"):
        covers = ", ".join(new.get("override_covers", []))
        yield f"{entry_id}'s override_reason now covers {covers}"
    for generator in dict.fromkeys(_generators(new)):
        if generator in _generators(old):
            yield from _generator_causes(before, after, generator)


def _generator_causes(before: Catalog, after: Catalog, generator: str) -> Iterator[str]:
    old, new = before.output_terms(generator), after.output_terms(generator)
    whose = f"the terms on {generator}'s output"
    if (old or {}).get("id") != (new or {}).get("id"):
        was = f"'{old['id']}' ({old['commercial']})" if old else "not recorded"
        now = f"'{new['id']}' ({new['commercial']})" if new else "not recorded"
        yield f"{whose} changed from {was} to {now}"
    elif new is not None:
        yield from _license_record_causes(before, after, new["id"], whose)


def _license_record_causes(before: Catalog, after: Catalog, license_id: str, whose: str) -> Iterator[str]:
    old, new = before.get(license_id) or {}, after.get(license_id) or {}
    if old.get("commercial") != new.get("commercial"):
        yield (
            f"{whose} '{license_id}' changed its commercial status from "
            f"{old.get('commercial', 'unknown')} to {new.get('commercial', 'unknown')}"
        )
    elif old.get("conditions") != new.get("conditions"):
        yield f"{whose} '{license_id}' changed its conditions"


def _edge_causes(before: Catalog, after: Catalog, entry_id: str, name: str, old: Record, new: Record) -> Iterator[str]:
    if name == "generated_by":
        was, now = _generators(old), _generators(new)
    else:
        was, now = _as_list(old.get(name)), _as_list(new.get(name))
    for target in now:
        if target not in was:
            yield f"{entry_id}'s {name} gained {target} ({_upstream_status(after, name, target)})"
    for target in was:
        if target not in now:
            yield f"{entry_id}'s {name} lost {target} ({_upstream_status(before, name, target)})"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _upstream_status(catalog: Catalog, name: str, target: str) -> str:
    if name == "generated_by":
        terms = catalog.output_terms(target)
        return f"output terms {terms['commercial']}" if terms else "terms not recorded"
    if target not in catalog:
        return "not in the catalog"
    return f"effective {lineage.cache_for(catalog).get(target).effective}"
