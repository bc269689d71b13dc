"""JSON Schemas generated from the pydantic models (committed under schema/)."""

from __future__ import annotations

import json
from typing import Any

from llmcat.models import MODEL_BY_KIND

SCHEMA_BASE = "https://llmcat.dev/schema"


def json_schema(kind: str) -> dict[str, Any]:
    schema = MODEL_BY_KIND[kind].model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}/{kind}.schema.json",
        **schema,
    }


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name -> text, as committed under schema/."""
    return {f"{kind}.schema.json": schema_text(kind) for kind in MODEL_BY_KIND}
