"""Alerts: a short message when a scheduled run regresses, becomes not ready, or fails.

``[notify] urls_env`` names environment variables, each holding one or more Apprise URLs
(``slack://...``, ``msteams://...``, ``mailtos://...``, ``json://...``: every service Apprise
knows). The URLs carry credentials, so they live in the environment like every other
secret, are registered for redaction, and are never printed: a target is named by its
variable and its service only. ``[notify] events`` picks when ``run`` sends (default all):

- ``regressed``: a check regressed against the baseline (was pass or warn, is now fail,
  error or manual);
- ``not-ready``: the run is not ready and its baseline was ready (or there is no baseline,
  or it cannot be read any more): a tenant that stays not ready does not alert every night;
- ``failed``: the run could not audit the tenant (collection failed, exit 4; an error in
  the configuration of the run, such as a broken baseline, exit 3; an internal error, 70).

The message: the tenant, the verdict and exit code, the regressed checks, the status
counts, blocking and waived, and the path of the report (or of ``error.txt``). A
notification that cannot be sent never changes the exit code: it is one line on stderr.

:func:`after_run` is the one call a run makes, once its exit code is known.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit import TOOL_NAME
from audit.errors import AuditError
from audit.redact import scrub
from audit.vocabulary import exit_meaning

#: Regressed check ids listed in a message (the rest are counted).
LISTED = 10


@dataclass(frozen=True)
class Alert:
    """What is sent: the events that fired, a title, a body, and how bad it is."""

    events: tuple[str, ...]
    title: str
    body: str
    failure: bool


def _baseline_was_ready(results: dict[str, Any]) -> bool | None:
    from audit.results import load_results

    path = (results.get("baseline") or {}).get("path")
    if not path:
        return None
    try:
        return bool(load_results(path)["summary"]["ready"])
    except (AuditError, KeyError, TypeError):
        return None


def _report_path(out_dir: Path) -> Path:
    for name in ("report.html", "report.pdf", "summary.md", "results.json"):
        if (out_dir / name).is_file():
            return (out_dir / name).resolve()
    return out_dir.resolve()


def _failed(name: str, code: int, problem: str, out_dir: Path) -> Alert:
    meaning = exit_meaning(code)
    note = out_dir / "error.txt"
    body = [
        f"{name}: the audit failed with exit {code} ({meaning}): {problem}",
        "The previous reports, if any, are unchanged."
        + (f" Details: {note.resolve()}" if note.is_file() else ""),
    ]
    return Alert(
        ("failed",), f"{TOOL_NAME}: {name}: audit failed (exit {code})", "\n".join(body), True
    )


def _audited(
    results: dict[str, Any], code: int, events: Sequence[str], out_dir: Path
) -> Alert | None:
    summary, tenant = results["summary"], results.get("tenant") or {}
    name = str(tenant.get("name") or "tenant")
    baseline = results.get("baseline") or {}
    regressed = list((baseline.get("changes") or {}).get("regressed") or [])
    fired = []
    if "regressed" in events and regressed:
        fired.append("regressed")
    if "not-ready" in events and not summary["ready"] and _baseline_was_ready(results) is not False:
        fired.append("not-ready")
    if not fired:
        return None
    verdict = "ready" if summary["ready"] else "NOT READY"
    og = (tenant.get("organization_group") or {}).get("group_id") or ""
    lines = [
        f"{name} ({tenant.get('api_host') or '?'}, OG {og or '?'}): {verdict} at fail-on "
        f"{summary['fail_on']}, score {summary['score']}; exit {code} ({exit_meaning(code)})."
    ]
    if regressed:
        shown = ", ".join(regressed[:LISTED]) + (
            f" and {len(regressed) - LISTED} more" if len(regressed) > LISTED else ""
        )
        lines.append(
            f"{len(regressed)} check(s) regressed since {baseline.get('started_at') or 'the baseline'}: {shown}."
        )
    if "not-ready" in fired:
        lines.append(
            "Became not ready: the baseline was ready."
            if baseline
            else "Not ready (no baseline to compare with)."
        )
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
    lines.append(
        f"Checks: {counts}; blocking {len(summary.get('blocking') or [])}, waived {len(summary.get('waived') or [])}."
    )
    lines.append(f"Report: {_report_path(out_dir)}")
    what = {"regressed": f"{len(regressed)} regressed", "not-ready": "not ready"}
    title = f"{TOOL_NAME}: {name}: " + ", ".join(what[e] for e in fired)
    return Alert(tuple(fired), title, "\n".join(lines), False)


def alert_for(
    events: Sequence[str],
    *,
    name: str,
    results: dict[str, Any] | None,
    exit_code: int,
    problem: str | None,
    out_dir: Path,
) -> Alert | None:
    """The alert a run's outcome calls for under ``events``, or None."""
    if results is None:
        if "failed" not in events:
            return None
        return _failed(name, exit_code, problem or "unknown error", out_dir)
    return _audited(results, exit_code, events, out_dir)


@contextlib.contextmanager
def _quiet_apprise() -> Iterator[None]:
    """Apprise logs the URLs it cannot parse and the hosts it cannot reach: keep its records
    (and the DeprecationWarning its e-mail plugin raises on import) away from any output."""
    logger = logging.getLogger("apprise")
    saved = (logger.propagate, logger.handlers[:], logger.level)
    logger.propagate, logger.handlers = False, [logging.NullHandler()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        logger.propagate, logger.handlers, logger.level = saved


def send(alert: Alert, targets: Sequence[tuple[str, str]], warn: Callable[[str], None]) -> int:
    """Send ``alert`` to every target (``(variable, URLs)``); return how many got it.
    Each failure is one line to ``warn`` naming the variable, never the URL."""
    delivered = 0
    with _quiet_apprise():
        import apprise

        for variable, urls in targets:
            client = apprise.Apprise()
            if not client.add(urls):
                warn(f"notification via ${variable}: not a URL Apprise understands; nothing sent")
                continue
            services = ", ".join(sorted({str(s.service_name) for s in client}))
            try:
                ok = bool(
                    client.notify(
                        body=scrub(alert.body),
                        title=scrub(alert.title),
                        notify_type=apprise.NotifyType.FAILURE
                        if alert.failure
                        else apprise.NotifyType.WARNING,
                        body_format=apprise.NotifyFormat.TEXT,
                    )
                )
            except Exception as exc:  # a broken target must never break the run
                ok = False
                services += f"; {type(exc).__name__}"
            if ok:
                delivered += 1
            else:
                warn(
                    f"notification via ${variable} ({services}) was not delivered; "
                    "the audit's exit code is unchanged"
                )
    return delivered


def after_run(
    config: Any,
    *,
    results: dict[str, Any] | None,
    exit_code: int,
    problem: str | None,
    out_dir: Path,
    warn: Callable[[str], None],
) -> Alert | None:
    """Notify ``config``'s ``[notify]`` targets about a finished run, if its outcome calls
    for it; return the alert sent (None when none was due or nothing is configured)."""
    targets = tuple(getattr(config.secrets, "notify_urls", ()) or ())
    if not targets:
        return None
    alert = alert_for(
        config.notify.events,
        name=config.tenant.name or "tenant",
        results=results,
        exit_code=exit_code,
        problem=scrub(problem) if problem else None,
        out_dir=out_dir,
    )
    if alert is not None:
        send(alert, targets, warn)
    return alert


def after_fleet(runs: Sequence[Any], warn: Callable[[str], None]) -> None:
    """:func:`after_run` for each tenant of a fleet run (:class:`audit.fleet.TenantRun`)."""
    for run in runs:
        if run.config is not None:
            after_run(
                run.config,
                results=run.results,
                exit_code=run.exit_code,
                problem=run.problem,
                out_dir=run.out_dir,
                warn=warn,
            )
