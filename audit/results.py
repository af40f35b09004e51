"""results.json: assemble, validate against the shipped JSON Schema, load, compare to a baseline.

results.json is the canonical output: every renderer reads it alone. Its schema ships in
``audit/schema/results.schema.json``; every results.json written or read is validated.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from audit import TOOL_NAME, __version__
from audit.errors import InputFileError

SCHEMA_VERSION = 1
FAILING = {"fail", "error", "manual"}


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema of results.json (schema_version 1)."""
    text = (
        resources.files("audit").joinpath("schema/results.schema.json").read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_problem(results: Any) -> str | None:
    """The first schema violation as one line, or None when ``results`` is valid."""
    validator = jsonschema.Draft202012Validator(results_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(results))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"[:300]


def validate_results(results: Any, file: str = "results.json") -> None:
    """Raise InputFileError when ``results`` does not match the schema."""
    if isinstance(results, dict) and results.get("schema_version") not in (None, SCHEMA_VERSION):
        raise InputFileError(
            file,
            f"unsupported schema_version {results.get('schema_version')!r} (expected {SCHEMA_VERSION})",
        )
    problem = schema_problem(results)
    if problem:
        raise InputFileError(file, f"does not match the results schema: {problem}")


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and validate a results.json; every problem is a one-line InputFileError."""
    p = Path(path)
    try:
        data = json.loads(p.read_bytes())
    except OSError as exc:
        raise InputFileError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(str(p), f"not valid JSON ({exc})") from exc
    validate_results(data, str(p))
    return data


def build_results(
    *,
    checks: list[dict[str, Any]],
    summary: dict[str, Any],
    run: dict[str, Any],
    tenant: dict[str, Any],
    dropship: dict[str, Any],
    report: dict[str, Any],
    snapshot: dict[str, Any],
    catalogue_version: str,
) -> dict[str, Any]:
    """Assemble results.json in the contract's key order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__, "catalogue_version": catalogue_version},
        "run": {
            "id": run.get("id") or str(uuid.uuid4()),
            **{k: v for k, v in run.items() if k != "id"},
        },
        "tenant": tenant,
        "dropship": dropship,
        "report": report,
        "snapshot": snapshot,
        "summary": summary,
        "baseline": None,
        "checks": checks,
    }


def _row_keys(check: dict[str, Any]) -> dict[str, list[Any]]:
    return {json.dumps(row, ensure_ascii=False): row for row in check["evidence"]["rows"]}


def change_of(old_status: str | None, new_status: str) -> str:
    """new / fixed / regressed / unchanged for one check."""
    if old_status is None:
        return "new"
    if old_status in FAILING and new_status == "pass":
        return "fixed"
    if old_status == "pass" and new_status in FAILING:
        return "regressed"
    return "unchanged"


def apply_baseline(
    results: dict[str, Any], baseline: dict[str, Any], path: str = ""
) -> dict[str, Any]:
    """Mark each check's ``change`` against ``baseline`` and record the evidence-row drift."""
    old = {c["id"]: c for c in baseline.get("checks", [])}
    changes: dict[str, list[str]] = {"new": [], "fixed": [], "regressed": [], "unchanged": []}
    drift: dict[str, dict[str, list[Any]]] = {}
    for check in results["checks"]:
        before = old.get(check["id"])
        change = change_of(before["status"] if before else None, check["status"])
        check["change"] = change
        changes[change].append(check["id"])
        if before is not None:
            now_rows, old_rows = _row_keys(check), _row_keys(before)
            added = [now_rows[k] for k in now_rows if k not in old_rows]
            removed = [old_rows[k] for k in old_rows if k not in now_rows]
            if added or removed:
                drift[check["id"]] = {"added": added, "removed": removed}
    results["baseline"] = {
        "path": path,
        "run_id": baseline.get("run", {}).get("id"),
        "started_at": baseline.get("run", {}).get("started_at"),
        "changes": changes,
        "evidence_drift": drift,
    }
    return results
