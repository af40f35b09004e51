"""The built-in checks: one module per check, the module name being the check id.

Each module holds ``META`` (a :class:`~audit.checkapi.CheckMeta`), ``evaluate(ctx)`` and
``CHECK = Check(META, evaluate)``; shared helpers live in :mod:`checks._common`.
This package is a plugin like any other: :func:`ws1_audit_register_checks` registers
every module of :data:`BUILTIN_CHECKS` in the order of the design's table.

A module that fails to import does not stop the others: it is registered as a stand-in
check with the same id whose ``evaluate`` returns ``error`` carrying the import error, so the
run still lists the check (and exits 2) instead of silently dropping a requirement.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, hookimpl

#: The built-in check ids, in the order of DESIGN.md's table.
BUILTIN_CHECKS: tuple[str, ...] = (
    "uem_version",
    "saas_tenant",
    "hub_version",
    "hub_auto_update",
    "software_distribution",
    "auto_enrollment_disabled",
    "autodiscovery_domain",
    "dropship_customer_og",
    "dropship_enabled",
    "dropship_tag",
    "smart_group_tag_criteria",
    "app_assignments_device_auto",
    "login_experience",
    "payloads_assigned",
    "devices_registered",
    "device_staging",
)


def broken_check(check_id: str, exc: BaseException) -> Check:
    """A stand-in for a check module that failed to import: it always returns ``error``."""
    message = f"checks.{check_id} failed to load: {type(exc).__name__}: {exc}"

    def evaluate(ctx: CheckContext) -> Outcome:
        return Outcome(
            "error",
            f"The check could not be loaded ({type(exc).__name__}: {exc}).",
            Evidence(
                ["Problem", "Detail"], [["check failed to load", message]], f"checks.{check_id}"
            ),
        )

    meta = CheckMeta(
        id=check_id,
        title=f"{check_id} (failed to load)",
        severity="high",
        requirement="The built-in check could not be loaded, so its requirement was not verified.",
        rationale=message,
        remediation=(
            "1. Reinstall ws1-audit; if the error persists, report it with the message above.",
        ),
    )
    return Check(meta, evaluate)


def load_check(check_id: str) -> Check:
    """The ``CHECK`` of ``checks.<check_id>``, or a stand-in that reports why it failed."""
    try:
        module = importlib.import_module(f"{__name__}.{check_id}")
        check = module.CHECK
        if not isinstance(check, Check):
            raise TypeError(f"CHECK is {type(check).__name__}, not a Check")
        return check
    except Exception as exc:  # one broken module must not stop the others
        return broken_check(check_id, exc)


@hookimpl
def ws1_audit_register_checks(register: Callable[[Check], None]) -> None:
    """Register the sixteen built-in checks."""
    for check_id in BUILTIN_CHECKS:
        register(load_check(check_id))
