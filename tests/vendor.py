"""The vendor's OpenAPI documents and real captures, read in place from ``../shared/``.

``../shared/`` sits beside the repository (``../shared`` relative to its root); nothing
of it is copied into the repository. :func:`strict_validator` turns a response schema
of the vendor's documents into a strict JSON Schema: objects take only the keys they
document (``additionalProperties: false`` unless the schema says otherwise), types are
the documented ones, and a string enum also accepts an integer (the live API answers
both, UEM_API.md). ``format``, ``example`` and ``xml`` are ignored.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from audit.uem.catalogue import Endpoint

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SPEC = SHARED / "uem-openapi"
FIXTURES = SHARED / "real_captures" / "fixtures"


def shared(path: Path) -> Path:
    """``path`` under ``../shared``; fails the test, saying why, when it is not there."""
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the vendor's OpenAPI and the real captures must sit beside "
            "the repository as ../shared (see the brief)"
        )
    return path


@functools.cache
def document(module: str) -> dict[str, Any]:
    """One OpenAPI document (``"mdmv1"``, ``"systemv2"``, ...)."""
    return dict(json.loads(shared(SPEC / f"{module}.json").read_text(encoding="utf-8")))


def module_of(ep: Endpoint, version: int) -> tuple[str, str]:
    """``(document, path inside it)`` of a catalogue entry asked as ``version``."""
    _, api, module, *rest = ep.path.split("/")
    assert api == "api", ep.path
    return f"{module}v{version}", "/" + "/".join(rest)


def operation(ep: Endpoint, version: int) -> dict[str, Any] | None:
    """The OpenAPI operation of ``ep`` in the document of ``version`` (None: not there)."""
    name, path = module_of(ep, version)
    if not (SPEC / f"{name}.json").exists():
        return None
    # Exactly the entry's path first, then any spelling of it (mamv1 spells one path
    # ``{applicationId}`` for GET and ``{applicationid}`` for DELETE).
    paths = document(name)["paths"]
    candidates = [paths[path]] if path in paths else []
    candidates += [ops for p, ops in paths.items() if p.casefold() == path.casefold()]
    return next((ops[ep.method.lower()] for ops in candidates if ep.method.lower() in ops), None)


def strictify(node: Any) -> Any:
    """An OpenAPI 3.0 schema node as a strict JSON Schema (see the module docstring)."""
    if isinstance(node, list):
        return [strictify(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: {name: strictify(prop) for name, prop in v.items()}
        if k == "properties"
        else strictify(v)
        for k, v in node.items()
        if k not in ("example", "xml", "format")
    }
    if "properties" in node or node.get("type") == "object":
        out.setdefault("additionalProperties", False)
    if "enum" in node and node.get("type") == "string":
        out = {"anyOf": [out, {"type": "integer"}]}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _components(module: str) -> dict[str, Any]:
    return dict(strictify(document(module).get("components", {})))


def response_schema(op: dict[str, Any], status: str = "200") -> dict[str, Any] | None:
    """The JSON schema an operation documents for ``status`` (None: no body documented)."""
    content = (op.get("responses", {}).get(status) or {}).get("content") or {}
    for kind, media in content.items():
        if "json" in kind and media.get("schema"):
            return dict(media["schema"])
    return None


def model_name(schema: dict[str, Any] | None) -> str | None:
    """The ``components.schemas`` name a response schema refers to (arrays: their items)."""
    if schema is None:
        return None
    ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref") or ""
    return ref.rsplit("/", 1)[-1] or None


def strict_validator(module: str, schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    """A strict validator of ``schema`` against the components of document ``module``."""
    return jsonschema.Draft7Validator({**strictify(schema), "components": _components(module)})


def model_validator(module: str, model: str) -> jsonschema.Draft7Validator:
    """A strict validator of one ``components.schemas`` model of ``module``."""
    return strict_validator(module, {"$ref": f"#/components/schemas/{model}"})


def problems(validator: jsonschema.Draft7Validator, body: Any) -> list[str]:
    """What a body breaks of the schema, one line each ("path: message")."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
        for e in validator.iter_errors(body)
    ]


@functools.cache
def fixture(name: str) -> dict[str, Any]:
    """One real-capture fixture (``"tags"`` for ``tags.json``)."""
    return dict(json.loads(shared(FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
