"""Which checks a run evaluates: ``--checks``, ``--exclude-checks`` and ``--severity``.

The conventions of Prowler and InSpec, with one rule of this tool's: a check left out is
never silently absent. It is in results.json (and every report) as ``skipped``, its summary
saying which option left it out, so that a reader of the report sees what was not checked
and a baseline comparison sees a change of status rather than a missing check. A check left
out is not evaluated at all (its data is still collected: the collector reads the tenant
once for every check).

``--checks`` and ``--exclude-checks`` take comma-separated check ids (an unknown id is a
usage error, exit 3, before any request); ``--severity`` takes comma-separated severities
and keeps the checks of exactly those. ``--checks`` and ``--exclude-checks`` cannot be
combined; ``--severity`` combines with either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from audit.errors import UsageError
from audit.vocabulary import SEVERITIES


def _ids(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


@dataclass(frozen=True)
class CheckSelection:
    """The checks asked for: ``only`` these ids, none of ``exclude``, of ``severities``."""

    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.only or self.exclude or self.severities)

    def reason(self, check_id: str, severity: str) -> str | None:
        """Why the check is left out (the summary of its ``skipped`` result), or None."""
        if self.only and check_id not in self.only:
            return f"Left out of this run by --checks (it checked only {', '.join(self.only)})."
        if check_id in self.exclude:
            return "Left out of this run by --exclude-checks."
        if self.severities and severity not in self.severities:
            return (
                f"Left out of this run by --severity {','.join(self.severities)} "
                f"(this check's severity is {severity})."
            )
        return None

    def validate(self, known: Iterable[str]) -> None:
        """Raise UsageError naming the first id that is not a check."""
        known_ids = set(known)
        for option, ids in (("--checks", self.only), ("--exclude-checks", self.exclude)):
            for check_id in ids:
                if check_id not in known_ids:
                    raise UsageError(
                        f"{option}: unknown check {check_id!r} (see `ws1-audit checks`)"
                    )

    def as_dict(self) -> dict[str, Any]:
        """The selection as results.json's ``run.selection`` records it."""
        return {
            "checks": list(self.only),
            "exclude_checks": list(self.exclude),
            "severity": list(self.severities),
        }


def parse_selection(
    checks: str | None, exclude_checks: str | None, severity: str | None
) -> CheckSelection:
    """The selection of the command-line options; a bad value is a UsageError."""
    only, exclude = _ids(checks), _ids(exclude_checks)
    if checks is not None and not only:
        raise UsageError("--checks: empty; expected comma-separated check ids")
    if exclude_checks is not None and not exclude:
        raise UsageError("--exclude-checks: empty; expected comma-separated check ids")
    if only and exclude:
        raise UsageError("--checks and --exclude-checks cannot be combined; use one")
    severities = tuple(s.lower() for s in _ids(severity))
    if severity is not None and not severities:
        raise UsageError(f"--severity: empty; expected one or more of {', '.join(SEVERITIES)}")
    bad = [s for s in severities if s not in SEVERITIES]
    if bad:
        raise UsageError(
            f"--severity: unknown severity {bad[0]!r} (known: {', '.join(SEVERITIES)})"
        )
    return CheckSelection(only, exclude, severities)
