"""app_assignments_device_auto: Drop Ship app assignments are Automatic and Device context.

Evidence: the assignments of each internal app (``GET /api/mam/apps/internal/{id}``:
``Assignments[].PushMode``, ``DeploymentOptions.HowToInstall.InstallContext``;
``inventory.app_assignments``) whose smart group is a Drop Ship smart group. Push mode
"Auto"/"Automatic" and install context "Device" pass (case and spacing ignored);
"OnDemand"/"On Demand"/"ON_DEMAND" and "User" fail.

An assignment whose push mode or install context is missing or unknown (for instance the v2
integer codes, whose meaning UEM_API.md marks unconfirmed) cannot be judged: the check is
then ``error``, not ``warn``, because an undecidable assignment might be On-Demand or User
context and must not let a high-severity requirement look met; definite violations still
``fail`` first. No app assigned at all is ``warn``.

Relies on: ``PushMode`` "Auto"/"OnDemand" and ``InstallContext`` "Device"/"User" (confirmed by
captured fixtures); v2 ``app_delivery_method`` "AUTO" is unconfirmed.
"""

from __future__ import annotations

import re
from typing import Any

from audit.inventory import FRAME_SOURCES
from audit.inventory_rows import AppAssignment, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    PATH_INTERNAL_APPS,
    REF_DSP_ONLINE,
    REF_WIN32_INSTALL_BEHAVIOR,
    DropShipGroups,
    dropship_groups,
    gap_outcome,
    steps,
)

SOURCE = FRAME_SOURCES["app_assignments"]
COLUMNS = ["App", "Version", "Smart group", "Push mode", "Install context", "Endpoint"]
AUTO, ON_DEMAND = {"auto", "automatic"}, {"ondemand"}
DEVICE, USER = {"device"}, {"user"}

META = CheckMeta(
    id="app_assignments_device_auto",
    title="Every app assigned to the Drop Ship smart group is Automatic and Device context",
    severity="high",
    requirement=(
        "Drop Ship Provisioning (Online) does not support On-Demand or User context "
        "applications: app assignments must be in the Device context and set to Automatic "
        "deployment."
    ),
    rationale=(
        "Drop Ship installs apps before anyone signs in: a User-context app never installs "
        "because no user is logged in, and an On-Demand app waits for a user to request it, so "
        "devices ship without them. High because the devices reach users incomplete."
    ),
    remediation=steps(
        f"For each app in the evidence, open {PATH_INTERNAL_APPS}, select the app and edit it.",
        "Under Deployment Options > How To Install set Install Context to Device.",
        "Under Assignments, edit the assignment to the Drop Ship smart group and set App "
        "Delivery Method to Auto; save and publish.",
        "Re-run the audit.",
    ),
    references=(REF_DSP_ONLINE, REF_WIN32_INSTALL_BEHAVIOR),
)


def _norm(value: str) -> str:
    return re.sub(r"[\s_\-]", "", value).casefold()


def _row(a: AppAssignment, groups: DropShipGroups) -> list[Any]:
    return [
        a.app_name,
        a.app_version,
        groups.label(a.smart_group_id, a.smart_group_name),
        a.push_mode or None,
        a.install_context or None,
        a.endpoint or SOURCE,
    ]


def evaluate(ctx: CheckContext) -> Outcome:
    """Judge each assignment to a Drop Ship smart group."""
    inv = ctx.inventory
    groups = dropship_groups(inv)
    bad: list[list[Any]] = []
    unknown: list[list[Any]] = []
    good: list[list[Any]] = []
    for a in rows(inv, AppAssignment):
        if not groups.matches(a.smart_group_id, a.smart_group_name):
            continue
        mode, context = _norm(a.push_mode), _norm(a.install_context)
        if mode in ON_DEMAND or context in USER:
            bad.append(_row(a, groups))
        elif mode in AUTO and context in DEVICE:
            good.append(_row(a, groups))
        else:
            unknown.append(_row(a, groups))
    incomplete = gap_outcome(
        inv, "apps", "app_detail", "smart_groups", "smart_group", what="every app assignment"
    )
    if bad:
        note = " (some app details could not be read)" if incomplete else ""
        return Outcome(
            "fail",
            f"{len(bad)} assignment(s) to the Drop Ship smart group are On-Demand or User "
            f"context{note}.",
            Evidence(
                COLUMNS, bad + unknown + good, SOURCE, findings=list(range(len(bad) + len(unknown)))
            ),
        )
    if incomplete is not None:
        return incomplete
    if unknown:
        return Outcome(
            "error",
            f"The push mode or install context of {len(unknown)} assignment(s) is missing or not "
            "recognised, so they cannot be judged (unknown values are not assumed compliant).",
            Evidence(COLUMNS, unknown + good, SOURCE, findings=list(range(len(unknown)))),
        )
    if not good:
        why = (
            "no Drop Ship smart group was identified (see smart_group_tag_criteria)"
            if not groups
            else f"none is assigned to {groups.describe()}"
        )
        return Outcome(
            "warn",
            f"No app is assigned to a Drop Ship smart group: {why}.",
            Evidence(COLUMNS, [], SOURCE),
        )
    return Outcome(
        "pass",
        f"All {len(good)} app assignment(s) to the Drop Ship smart group are Automatic and Device "
        "context.",
        Evidence(COLUMNS, good, SOURCE),
    )


CHECK = Check(META, evaluate)
