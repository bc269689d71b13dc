"""A compliance bill for a stack: the model, datasets and toolkits someone plans to ship together.

``bill(catalog, ids)`` returns a :class:`Bill`: the combined verdict (the most restrictive of
the entries', with the entries and paths that decide it), every condition and obligation of
the stack once, the licenses whose texts must travel with the product, and the components the
stack is built from (its entries and, through the lineage, their base models and datasets).
The shapes for ``--format json``, ``notice`` and ``cyclonedx`` are built here; nothing prints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from llmcat import __version__, lineage
from llmcat.catalog import Catalog, Record

UPSTREAM_FIELDS = ("base_model", "trained_on", "derived_from")
CYCLONEDX_TYPE = {"model": "machine-learning-model", "dataset": "data", "toolkit": "library"}
LINK_TYPES = {"repo": "vcs", "homepage": "website", "paper": "documentation", "docs": "documentation"}


class Term(NamedTuple):
    """A condition or obligation of the stack, with the licenses and entries it comes from."""

    en: str
    zh: str
    status: str
    licenses: tuple[str, ...]
    entries: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The shape of a condition in `show --json` (en, zh, license, status), plus every license
        and entry of the stack it comes from."""
        return {
            "en": self.en,
            "zh": self.zh,
            "license": self.licenses[0] if self.licenses else None,
            "status": self.status,
            "licenses": list(self.licenses),
            "entries": list(self.entries),
        }


class Bill(NamedTuple):
    entries: list[Record]
    verdicts: dict[str, lineage.Verdict]
    declared: str
    effective: str
    deciding: list[str]
    reasons: list[lineage.Reason]
    conditions: list[Term]
    obligations: list[Term]
    licenses: list[Record]
    components: list[Record]

    def to_json(self) -> dict[str, Any]:
        return {
            "commercial_use": {
                "declared": self.declared,
                "effective": self.effective,
                "policy": "strict",
                "as_of": None,
                "deciding": self.deciding,
                "conditions": [t.to_json() for t in self.conditions],
                "obligations": [t.to_json() for t in self.obligations],
                "reasons": [r.to_json() for r in self.reasons],
                "caveats": list(dict.fromkeys(c for e in self.entries for c in self.verdicts[e["id"]].caveats)),
                "override_reason": None,
            },
            "entries": [
                {
                    "id": e["id"],
                    "kind": e["kind"],
                    "name": e["name"],
                    "license": e["license"],
                    "commercial_use": self.verdicts[e["id"]].to_json(),
                }
                for e in self.entries
            ],
            "obligations": [t.to_json() for t in self.obligations],
            "licenses": [_license_json(lic) for lic in self.licenses],
            "components": [c["id"] for c in self.components],
        }


def _license_json(lic: Record) -> dict[str, Any]:
    return {"id": lic["id"], "name": lic["name"], "spdx": lic["spdx"], "url": lic.get("url")}


def _most_restrictive(statuses: Iterable[str]) -> str:
    return min(statuses, key=lineage.RANK.__getitem__)


def bill(catalog: Catalog, ids: Sequence[str]) -> Bill:
    """The bill of the entries ``ids`` (resolved, distinct ids of models, datasets or toolkits)."""
    entries = [catalog.records[i] for i in ids]
    verdicts = {i: lineage.verdict(catalog, i) for i in ids}
    effective = _most_restrictive(v.effective for v in verdicts.values())
    deciding = [i for i in ids if verdicts[i].effective == effective]
    reasons = [r for i in deciding for r in verdicts[i].reasons]
    components = upstream_components(catalog, ids)
    obligations = _terms(verdicts, "obligations")
    return Bill(
        entries=entries,
        verdicts=verdicts,
        declared=_most_restrictive(v.declared for v in verdicts.values()),
        effective=effective,
        deciding=deciding,
        reasons=reasons,
        conditions=_terms(verdicts, "conditions"),
        obligations=obligations,
        licenses=_licenses_to_ship(catalog, entries, obligations),
        components=components,
    )


def _terms(verdicts: dict[str, lineage.Verdict], which: str) -> list[Term]:
    """Conditions or obligations of every entry, each text once, with where it comes from."""
    merged: dict[str, dict[str, Any]] = {}
    for entry_id, verdict in verdicts.items():
        for item in getattr(verdict, which):
            found = merged.setdefault(
                item["en"], {"zh": item.get("zh", ""), "status": item.get("status", ""), "licenses": [], "entries": []}
            )
            if item.get("license") and item["license"] not in found["licenses"]:
                found["licenses"].append(item["license"])
            if entry_id not in found["entries"]:
                found["entries"].append(entry_id)
    return [Term(en, v["zh"], v["status"], tuple(v["licenses"]), tuple(v["entries"])) for en, v in merged.items()]


def _licenses_to_ship(catalog: Catalog, entries: list[Record], obligations: list[Term]) -> list[Record]:
    """The stack's own licenses and those whose obligations reach it, in first-seen order."""
    wanted: list[str] = []
    for entry in entries:
        wanted.extend(v for v in entry.get("license", {}).values() if isinstance(v, str))
    for term in obligations:
        wanted.extend(term.licenses)
    found = (catalog.get(i) for i in dict.fromkeys(wanted))
    return [lic for lic in found if lic is not None]


def upstream_ids(record: Record) -> list[str]:
    out: list[str] = []
    for name in UPSTREAM_FIELDS:
        value = record.get(name)
        out.extend([value] if isinstance(value, str) else value or [])
    return out


def upstream_components(catalog: Catalog, ids: Sequence[str]) -> list[Record]:
    """The entries and everything they are built from, breadth first, each once."""
    seen: dict[str, Record] = {}
    frontier = list(ids)
    while frontier:
        entry_id = frontier.pop(0)
        record = catalog.get(entry_id)
        if entry_id in seen or record is None:
            continue
        seen[entry_id] = record
        frontier.extend(upstream_ids(record))
    return list(seen.values())


# --- NOTICE ---------------------------------------------------------------------------------

_KEY_LABEL = {"weights": "Weights license", "data": "Data license", "code": "Code license"}


def notice(catalog: Catalog, stack: Bill) -> str:
    """A NOTICE file a product can ship: what it contains, under which terms, and what they ask."""
    lines = [
        "NOTICE",
        "",
        "This product contains or was built with the following models, datasets and software.",
        "",
    ]
    for entry in stack.entries:
        lines.extend(_notice_entry(catalog, entry))
    if stack.obligations:
        lines += ["Obligations of these licenses:", ""]
        lines += [f"- {t.en} ({', '.join(t.licenses)})" for t in stack.obligations]
        lines.append("")
    if stack.conditions:
        lines += ["Conditions and use restrictions:", ""]
        lines += [f"- {t.en} ({', '.join(t.licenses)})" for t in stack.conditions]
        lines.append("")
    shipped = [lic for lic in stack.licenses if lic.get("url")]
    if shipped:
        lines += ["License texts (include a copy of each with the product):", ""]
        lines += [f"- {lic['name']} ({lic['spdx']}): {lic['url']}" for lic in shipped]
        lines.append("")
    lines.append(f"Prepared with llmcat {__version__}. {lineage.DISCLAIMER}")
    return "\n".join(lines) + "\n"


def _notice_entry(catalog: Catalog, entry: Record) -> list[str]:
    lines = [f"{entry['name']} ({entry['id']}), by {entry['organization']}"]
    for key, license_id in entry.get("license", {}).items():
        lic = catalog.get(license_id) or {}
        where = f" {lic['url']}" if lic.get("url") else ""
        lines.append(f"  {_KEY_LABEL.get(key, key)}: {lic.get('name', license_id)}{where}")
    links = entry.get("links", {})
    home = links.get("repo") or links.get("homepage")
    if links.get("huggingface"):
        home = home or f"https://huggingface.co/{links['huggingface']}"
    if home:
        lines.append(f"  Source: {home}")
    built_on = upstream_ids(entry)
    if built_on:
        lines.append(f"  Built on: {', '.join(built_on)}")
    return [*lines, ""]


# --- CycloneDX 1.6 --------------------------------------------------------------------------


def cyclonedx(catalog: Catalog, stack: Bill, *, serial: uuid.UUID | None = None) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM: a component per entry and upstream entry, lineage as dependencies."""
    in_stack = {e["id"] for e in stack.entries}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": (serial or uuid.uuid4()).urn,
        "version": 1,
        "metadata": {
            "timestamp": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "tools": {"components": [{"type": "application", "name": "llmcat", "version": __version__}]},
            "properties": [
                {"name": "llmcat:stack", "value": " ".join(e["id"] for e in stack.entries)},
                {"name": "llmcat:commercial_use:declared", "value": stack.declared},
                {"name": "llmcat:commercial_use:effective", "value": stack.effective},
            ],
        },
        "components": [_component(catalog, record, stack, record["id"] in in_stack) for record in stack.components],
        "dependencies": [
            {"ref": record["id"], "dependsOn": [i for i in dict.fromkeys(upstream_ids(record)) if catalog.get(i)]}
            for record in stack.components
        ],
    }


def _component(catalog: Catalog, record: Record, stack: Bill, in_stack: bool) -> dict[str, Any]:
    verdict = stack.verdicts.get(record["id"]) or lineage.verdict(catalog, record["id"])
    component: dict[str, Any] = {
        "type": CYCLONEDX_TYPE[record["kind"]],
        "bom-ref": record["id"],
        "name": record["name"],
        "publisher": record["organization"],
        "description": record["summary"]["en"],
        "scope": "required" if in_stack else "excluded",
        "licenses": [_cyclonedx_license(catalog, i) for i in dict.fromkeys(record.get("license", {}).values())],
        "externalReferences": _references(record),
        "properties": [
            {"name": "llmcat:kind", "value": record["kind"]},
            {"name": "llmcat:commercial_use:declared", "value": verdict.declared},
            {"name": "llmcat:commercial_use:effective", "value": verdict.effective},
            *({"name": "llmcat:condition", "value": c["en"]} for c in verdict.conditions),
        ],
    }
    if record["kind"] == "model":
        component["modelCard"] = _model_card(record)
    return component


def _cyclonedx_license(catalog: Catalog, license_id: str) -> dict[str, Any]:
    lic = catalog.get(license_id) or {"id": license_id, "name": license_id, "spdx": f"LicenseRef-{license_id}"}
    if not str(lic["spdx"]).startswith("LicenseRef-"):
        return {"license": {"id": lic["spdx"]}}
    named: dict[str, Any] = {"name": lic["name"]}
    if lic.get("url"):
        named["url"] = lic["url"]
    return {"license": named}


def _references(record: Record) -> list[dict[str, str]]:
    links = record.get("links", {})
    refs = [{"type": LINK_TYPES[k], "url": v} for k, v in links.items() if k in LINK_TYPES]
    if links.get("huggingface"):
        kind = "datasets/" if record["kind"] == "dataset" else ""
        refs.append({"type": "distribution", "url": f"https://huggingface.co/{kind}{links['huggingface']}"})
    return refs


def _model_card(record: Record) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    if record.get("architecture"):
        parameters["modelArchitecture"] = record["architecture"]
    if record.get("family"):
        parameters["architectureFamily"] = record["family"]
    datasets = [{"ref": d} for d in record.get("trained_on", [])]
    if datasets:
        parameters["datasets"] = datasets
    card: dict[str, Any] = {"modelParameters": parameters} if parameters else {}
    if record.get("params"):
        card["properties"] = [{"name": "llmcat:params", "value": str(record["params"])}]
    return card
