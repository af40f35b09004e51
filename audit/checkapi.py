"""What a check is: metadata, the context it reads, and the outcome it returns.

This module defines the check API; plugins import it from :mod:`audit.plugin`, the public
face. A check is a :class:`Check`: validated :class:`CheckMeta` plus an
``evaluate(ctx) -> Outcome`` function of the inventory and the config. It never talks to
the network; everything it reads is in :class:`CheckContext`.

Statuses: ``pass``, ``fail``, ``warn``, ``manual`` (no automated evidence and no
attestation), ``error`` (could not decide), ``skipped`` (not applicable, with a reason).
A waiver is not a status: the runner flags a finding as waived.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.vocabulary import SEVERITIES, STATUSES, Status

if TYPE_CHECKING:
    from audit.config import Attestation
    from audit.inventory import Inventory

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class CheckDefinitionError(ValueError):
    """A check's metadata is invalid; raised at load time, never during a run."""


@dataclass(frozen=True)
class CheckMeta:
    """The prose of a check, validated when loaded.

    ``title`` is written for the passing case ("UEM console is 2105 or later");
    ``remediation`` holds numbered steps with the exact console path.
    """

    id: str
    title: str
    severity: str
    requirement: str
    rationale: str
    remediation: tuple[str, ...]
    references: tuple[str, ...] = ()
    #: Setting names an attestation may use besides the check id (snake_case); a check
    #: with none takes no attestation (its evidence is the API's alone).
    settings: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise :class:`CheckDefinitionError` naming the first problem."""
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise CheckDefinitionError(f"check id {self.id!r} is not snake_case")
        for name in ("title", "requirement", "rationale"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise CheckDefinitionError(f"check {self.id}: {name} is empty")
        if self.severity not in SEVERITIES:
            raise CheckDefinitionError(
                f"check {self.id}: severity {self.severity!r} is not one of {', '.join(SEVERITIES)}"
            )
        if not self.remediation or not all(
            isinstance(s, str) and s.strip() for s in self.remediation
        ):
            raise CheckDefinitionError(f"check {self.id}: remediation needs at least one step")
        if not all(isinstance(r, str) for r in self.references):
            raise CheckDefinitionError(f"check {self.id}: references must be strings")
        if not all(isinstance(n, str) and _ID.match(n) for n in self.settings):
            raise CheckDefinitionError(f"check {self.id}: settings must be snake_case names")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "requirement": self.requirement,
            "rationale": self.rationale,
            "remediation": list(self.remediation),
            "references": list(self.references),
            "attestation_names": [self.id, *self.settings] if self.settings else [],
        }


@dataclass
class Evidence:
    """A table of what was looked at. ``source`` names the endpoint(s) or "attestation".

    Cells are JSON scalars (str, int, float, bool, None). Where rows come from different
    endpoints, include an "Endpoint" column so that each row names where it was seen.

    ``findings``: the indices of the rows that are the finding, when the table also shows
    compliant rows for context (e.g. the failing app assignments listed before the good
    ones). A row-scoped waiver must cover these rows only. ``None``: every row is the
    finding. Not written to results.json.
    """

    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    source: str = ""
    findings: list[int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "total_rows": len(self.rows),
            "source": self.source,
        }


@dataclass
class Outcome:
    """What a check decided: a status, one sentence, the evidence, and the attestation used."""

    status: Status
    summary: str
    evidence: Evidence = field(default_factory=Evidence)
    attestation: dict[str, Any] | None = None
    #: Steps that replace the check's own remediation for this outcome (e.g. the admin
    #: role permission the API account lacks, when a 403 left the data unread).
    remediation: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise CheckDefinitionError(
                f"status {self.status!r} is not one of {', '.join(STATUSES)}"
            )


@dataclass
class CheckContext:
    """Everything a check may read: the inventory, the config sections, attestations, today."""

    inventory: Inventory
    requirements: dict[str, Any]
    dropship: dict[str, Any]
    attestations: Sequence[Attestation] = ()
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def attestation(self, *names: str) -> Attestation | None:
        """The newest attestation for any of ``names`` (a check id or a setting name)."""
        wanted = {n.lower() for n in names}
        found = [a for a in self.attestations if a.check.lower() in wanted]
        return max(found, key=lambda a: a.date) if found else None


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a regular file's bytes, read in chunks (a FIFO or a device is an
    OSError at once, never read)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def attestation_record(att: Attestation, ctx: CheckContext) -> dict[str, Any]:
    """The attestation as results.json records it: who, when, age, evidence and its hash."""
    max_age = int(ctx.requirements.get("attestation_max_age_days", 90))
    age = (ctx.today - att.date).days
    record: dict[str, Any] = {
        "check": att.check,
        "value": att.value,
        "by": att.by,
        "date": att.date.isoformat(),
        "age_days": age,
        "stale": age > max_age,
        "max_age_days": max_age,
        "evidence": att.evidence,
        "sha256": None,
        "evidence_problem": None,
        "note": att.note,
    }
    if att.evidence and "://" not in att.evidence:
        try:
            record["sha256"] = sha256_file(att.evidence)
        except OSError as exc:
            record["evidence_problem"] = f"evidence file cannot be read: {exc.strerror or exc}"
    return record


def attestation_evidence(record: dict[str, Any], setting: str) -> Evidence:
    """The evidence table that shows an attestation."""
    return Evidence(
        columns=["Setting", "Attested value", "By", "Date", "Evidence", "SHA-256"],
        rows=[
            [
                setting,
                "true" if record["value"] else "false",
                record["by"],
                record["date"],
                record["evidence"] or "",
                record["sha256"] or record["evidence_problem"] or "",
            ]
        ],
        source="attestation",
    )


def decide_by_attestation(
    ctx: CheckContext,
    meta: CheckMeta,
    setting: str,
    *,
    names: Iterable[str] = (),
    otherwise: Callable[[], Outcome] | None = None,
) -> Outcome:
    """Settle a check on an attestation, else on ``otherwise()``, else ``manual``.

    An attestation of true passes, false fails; one older than ``attestation_max_age_days``
    is ``warn`` whatever its value says (the statement must be renewed), except that a
    stale false still fails. The summary always says the evidence is an attestation.
    """
    att = ctx.attestation(meta.id, *names)
    if att is not None:
        record = attestation_record(att, ctx)
        evidence = attestation_evidence(record, setting)
        who = f"{att.by} on {att.date.isoformat()}"
        if not att.value:
            return Outcome(
                "fail", f"Attested false by {who}: {setting} is not in place.", evidence, record
            )
        if record["stale"]:
            return Outcome(
                "warn",
                f"Attestation by {who} is {record['age_days']} days old "
                f"(limit {record['max_age_days']}); renew it.",
                evidence,
                record,
            )
        note = f" ({record['evidence_problem']})" if record["evidence_problem"] else ""
        return Outcome("pass", f"Attested by {who}: {setting} is in place{note}.", evidence, record)
    if otherwise is not None:
        return otherwise()
    return Outcome(
        "manual",
        f"No API exposes {setting}; confirm it in the console and record an attestation.",
        Evidence(
            columns=["Setting", "Where to confirm"],
            rows=[[setting, meta.remediation[0]]],
            source="none",
        ),
    )


@dataclass(frozen=True)
class Check:
    """A registered check: metadata plus its evaluate function."""

    meta: CheckMeta
    evaluate: Callable[[CheckContext], Outcome]

    @property
    def id(self) -> str:
        return self.meta.id
