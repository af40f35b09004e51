"""results.json: assemble, validate against the shipped JSON Schema, load, compare to a baseline.

results.json is the canonical output: every renderer reads it alone. Its schema ships in
``audit/schema/results.schema.json``; every results.json written or read is validated.

Integrity: the results.json that ``pipeline.save_results`` writes carries
``content_sha256``, the SHA-256 of the canonical JSON of everything else (the snapshot's
scheme, :func:`audit.snapshot.content_hash`). :func:`load_results` recomputes it, so a
results.json edited by hand (a status turned to ``pass``) or cut short is refused with one
line before anything is rendered from it, and so is one without the key (the schema
requires it). The hash detects accidents (an edit, a cut, a copy gone wrong), not
tampering: anyone can recompute it (signatures are a later issue).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from audit import TOOL_NAME, __version__
from audit.errors import InputFileError
from audit.fileio import dump_json, read_json_file
from audit.snapshot import content_hash

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


def _check_version(results: Any, file: str) -> None:
    if isinstance(results, dict) and results.get("schema_version") not in (None, SCHEMA_VERSION):
        raise InputFileError(
            file,
            f"unsupported schema_version {results.get('schema_version')!r} (expected {SCHEMA_VERSION})",
        )


def results_hash(results: dict[str, Any]) -> str:
    """SHA-256 of ``results`` as written (canonical JSON, ``content_sha256`` left out)."""
    data = json.loads(dump_json(results))
    data.pop("content_sha256", None)
    return content_hash(data)


def sealed(results: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``results`` carrying its ``content_sha256`` (``results`` is not changed)."""
    body = {k: v for k, v in results.items() if k != "content_sha256"}
    return {**body, "content_sha256": results_hash(body)}


def verify_integrity(results: Any, file: str = "results.json") -> None:
    """Raise InputFileError when ``results`` has no ``content_sha256`` or one that does not
    match its content. (The hash detects accidents, an edit or a cut; anyone can recompute
    it, so it is no protection against deliberate tampering.)"""
    if not isinstance(results, dict):
        return
    if "content_sha256" not in results:
        raise InputFileError(
            file,
            "integrity check failed: no content_sha256 (not written by ws1-audit, or edited)",
        )
    if results["content_sha256"] != results_hash(results):
        raise InputFileError(
            file,
            "integrity check failed: content_sha256 does not match the content (edited after "
            "it was written)",
        )


def validate_results(results: Any, file: str = "results.json") -> None:
    """Raise InputFileError when ``results`` does not match the schema. Results not yet
    written (without their ``content_sha256``) are checked as if they had one."""
    _check_version(results, file)
    if isinstance(results, dict) and "content_sha256" not in results:
        results = {**results, "content_sha256": "0" * 64}
    problem = schema_problem(results)
    if problem:
        raise InputFileError(file, f"does not match the results schema: {problem}")


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and validate a results.json; every problem is a one-line InputFileError."""
    p = Path(path)
    data = read_json_file(p, "a results.json")
    _check_version(data, str(p))
    verify_integrity(data, str(p))
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


def _row_keys(check: dict[str, Any], columns: list[str] | None = None) -> dict[str, list[Any]]:
    """A check's evidence rows keyed by their JSON text; with ``columns``, each row is first
    narrowed to those columns (so that a column added or dropped between catalogue versions
    does not make every row look new)."""
    rows = check["evidence"]["rows"]
    if columns is not None:
        index = {c: i for i, c in enumerate(check["evidence"]["columns"])}
        picks = [index[c] for c in columns]
        rows = [[row[i] if i < len(row) else None for i in picks] for row in rows]
    return {json.dumps(row, ensure_ascii=False): row for row in rows}


def evidence_drift(check: dict[str, Any], before: dict[str, Any]) -> dict[str, Any] | None:
    """The evidence rows of ``check`` that are new since ``before``, and those gone; None
    when the rows are the same. Rows are compared whole (a changed cell is one row gone and
    one added); when the columns differ, on the columns both have (``columns`` says which)."""
    now_cols, old_cols = check["evidence"]["columns"], before["evidence"]["columns"]
    common: list[str] | None = None
    if now_cols != old_cols:
        common = [c for c in now_cols if c in old_cols]
    now_rows, old_rows = _row_keys(check, common), _row_keys(before, common)
    added = [now_rows[k] for k in now_rows if k not in old_rows]
    removed = [old_rows[k] for k in old_rows if k not in now_rows]
    if not added and not removed:
        return None
    drift: dict[str, Any] = {"added": added, "removed": removed}
    if common is not None:
        drift["columns"] = common
    return drift


def _same_tenant(results: dict[str, Any], baseline: dict[str, Any]) -> str | None:
    """Why ``baseline`` looks like another tenant's run, or None.

    The API host with the Drop Ship OG's GroupId identifies a tenant (a SaaS host serves
    many tenants); a different OG UUID behind the same GroupId, or a different tenant name,
    is said too.
    """

    def ident(data: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
        tenant = data.get("tenant") or {}
        og = tenant.get("organization_group") or {}
        return (
            tenant.get("api_host"),
            (data.get("dropship") or {}).get("organization_group"),
            og.get("uuid") if isinstance(og, dict) else None,
            tenant.get("name"),
        )

    (host, og, uuid_, name), (old_host, old_og, old_uuid, old_name) = (
        ident(results),
        ident(baseline),
    )
    if old_host and host and old_host != host:
        return f"the baseline is from another API host ({old_host}, now {host})"
    if old_og and og and old_og != og:
        return f"the baseline is from another organization group ({old_og}, now {og})"
    if old_uuid and uuid_ and old_uuid != uuid_:
        return f"the baseline is from another organization group (UUID {old_uuid}, now {uuid_})"
    if old_name and name and old_name != name:
        return f"the baseline is from another tenant ({old_name!r}, now {name!r})"
    return None


def _utc(value: Any) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def run_order_warning(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A warning when ``new`` started before ``old`` (the arguments look swapped), else None."""
    before = _utc((old.get("run") or {}).get("started_at"))
    after = _utc((new.get("run") or {}).get("started_at"))
    if before and after and after < before:
        return (
            f"NEW ({after.isoformat()}) is older than OLD ({before.isoformat()}): the files "
            "look swapped; changes are read from OLD to NEW"
        )
    return None


def change_of(old_status: str | None, new_status: str) -> str:
    """new / fixed / regressed / changed / unchanged for one check.

    - ``new``: the baseline has no such check.
    - ``fixed``: it was fail, error or manual and is now pass or warn (no longer blocks), or
      it was warn and is now pass. Every change to ``pass`` from a finding is ``fixed``.
    - ``regressed``: it was pass or warn and is now fail, error or manual.
    - ``changed``: any other change of status: between fail, error and manual (a finding
      that is still one, for another reason), pass -> warn (still met, now with a
      warning), and to and from skipped.
    - ``unchanged``: the same status.
    """
    if old_status is None:
        return "new"
    if (old_status in FAILING and new_status in ("pass", "warn")) or (
        old_status == "warn" and new_status == "pass"
    ):
        return "fixed"
    if old_status in ("pass", "warn") and new_status in FAILING:
        return "regressed"
    return "changed" if old_status != new_status else "unchanged"


def apply_baseline(
    results: dict[str, Any], baseline: dict[str, Any], path: str = ""
) -> dict[str, Any]:
    """Mark each check's ``change`` against ``baseline`` and record the evidence-row drift.

    ``results["baseline"]`` gets: the baseline's path, run id and start; ``changes`` (check ids
    per change, plus ``removed``: checks in the baseline that this run no longer has);
    ``evidence_drift`` (per check id, the rows ``added`` and ``removed``); and ``warnings``
    (e.g. the baseline is from another tenant), which also go to the run's warnings.
    """
    old = {c["id"]: c for c in baseline.get("checks", [])}
    changes: dict[str, list[str]] = {
        "new": [],
        "fixed": [],
        "regressed": [],
        "changed": [],
        "unchanged": [],
    }
    drift: dict[str, dict[str, Any]] = {}
    for check in results["checks"]:
        before = old.get(check["id"])
        change = change_of(before["status"] if before else None, check["status"])
        check["change"] = change
        changes[change].append(check["id"])
        if before is not None:
            moved = evidence_drift(check, before)
            if moved is not None:
                drift[check["id"]] = moved
    now_ids = {c["id"] for c in results["checks"]}
    warnings = [w for w in (_same_tenant(results, baseline),) if w]
    results["baseline"] = {
        "path": path,
        "run_id": baseline.get("run", {}).get("id"),
        "started_at": baseline.get("run", {}).get("started_at"),
        "changes": changes,
        "removed": [cid for cid in old if cid not in now_ids],
        "evidence_drift": drift,
        "warnings": warnings,
    }
    run = results.get("run")
    if warnings and isinstance(run, dict):
        run.setdefault("warnings", []).extend(warnings)
    return results
