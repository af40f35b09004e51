"""The words of the domain, defined once: statuses, severities, the readiness rule, exit codes.

Everything that decides or shows whether a tenant is ready uses these: the runner, the
pipeline, the fleet, the command line and the reports (DESIGN.md, "A check" and "CLI").

- Statuses (:data:`STATUSES`) and severities (:data:`SEVERITIES`, most severe first).
- The readiness rule (:func:`is_blocking`): a check blocks readiness when its severity is at
  or above ``--fail-on`` (default :data:`DEFAULT_FAIL_ON`) and it is ``fail``, ``error`` or
  ``manual``, unless an active waiver covers it.
- Exit codes and what each means (:data:`EXIT_MEANING`): 0 ready, 1 not ready, 2 a check
  errored, 3 usage or configuration error, 4 collection failed, 70 internal error, and
  130/143 interrupted by SIGINT/SIGTERM (:mod:`audit.signals`).
- Timestamps as results.json writes them (:func:`utc_now`), and the words of the warnings
  about an unprotected connection (:data:`TLS_OFF`, :func:`plain_http_warning`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

Status = Literal["pass", "fail", "warn", "manual", "error", "skipped"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "warn", "manual", "error", "skipped")
#: Most severe first.
SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
#: The statuses that block readiness (at or above ``--fail-on``, unless waived).
BLOCKING_STATUSES = frozenset({"fail", "error", "manual"})
DEFAULT_FAIL_ON = "medium"

EXIT_READY = 0
EXIT_NOT_READY = 1
EXIT_CHECK_ERROR = 2
EXIT_USAGE = 3
EXIT_COLLECTION = 4
#: An unexpected exception: a bug, never an expected condition.
EXIT_INTERNAL = 70
#: Interrupted by SIGINT (Ctrl-C) or SIGTERM: 128 + the signal number, as shells report it.
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

#: What each exit code of a run means; a fleet exits with its worst tenant's (the highest).
EXIT_MEANING = {
    EXIT_READY: "ready",
    EXIT_NOT_READY: "not ready",
    EXIT_CHECK_ERROR: "a check errored",
    EXIT_USAGE: "usage or configuration error",
    EXIT_COLLECTION: "collection failed",
    EXIT_INTERNAL: "internal error",
}

#: The warning of every run and collect with ``verify_tls = false``.
TLS_OFF = "TLS certificate verification is disabled (verify_tls = false)"
#: What results.json's ``run.warnings`` records of such a collection.
TLS_OFF_RECORDED = (
    "TLS certificate verification was disabled for this collection (verify_tls = false)"
)
#: What results.json's ``run.warnings`` records of a collection over plain http://.
PLAIN_HTTP_RECORDED = (
    "this collection used plain HTTP (allow_insecure_http = true): nothing proves the "
    "answers came from the tenant, and the credentials travelled unencrypted"
)


def is_blocking(severity: str, status: str, *, waived: bool, fail_on: str) -> bool:
    """Whether a check blocks readiness: ``fail``, ``error`` or ``manual``, not covered by an
    active waiver, and of severity at or above ``fail_on`` (an unknown severity never blocks;
    an unknown ``fail_on`` counts as :data:`DEFAULT_FAIL_ON`)."""
    threshold = SEVERITY_RANK.get(fail_on, SEVERITY_RANK[DEFAULT_FAIL_ON])
    return (
        status in BLOCKING_STATUSES and not waived and SEVERITY_RANK.get(severity, -1) >= threshold
    )


def exit_meaning(code: int) -> str:
    """The words for an exit code (``unexpected`` for one that is not in the contract)."""
    return EXIT_MEANING.get(code, "unexpected")


def utc_now() -> str:
    """Now, as results.json writes times: ``2026-05-04T12:34:56Z`` (UTC, to the second)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plain_http_warning(host: str | None) -> str:
    """The warning of every run and collect that talks to ``host`` over plain http://."""
    return (
        f"plain HTTP to {host}: credentials and answers travel unencrypted "
        "(allow_insecure_http = true)"
    )
