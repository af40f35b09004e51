"""devices_registered: devices are registered for Drop Ship with the tag, and synced.

Evidence: the Drop Ship OG's enrollment tokens (``GET /api/mdm/groups/{uuid}/enrollment-tokens``;
``inventory.registrations``: serial, tags, enrollment status), the list the console shows on
Devices > Lifecycle > Enrollment Status after a sync. Every registered device carrying a
configured tag: ``pass`` (evidence: counts registered / enrolled / pending); some without
one: ``warn`` listing them; none registered, or none tagged: ``fail``; no tag configured to
compare with: ``warn``.

Relies on (unconfirmed in UEM_API.md §10): the list's response fields (snake_case like the
registration body) and its ``enrollment_status`` values; a status containing "enrolled"
(not "unenrolled") counts as enrolled, any other as pending.
"""

from __future__ import annotations

from typing import Any

from audit.checkapi import Check, CheckContext, CheckMeta, Evidence, Outcome
from audit.inventory import FRAME_SOURCES
from checks._common import (
    PATH_ENROLLMENT_STATUS,
    REF_DSP_ONLINE,
    as_list,
    configured_tags,
    fold,
    gap_outcome,
    guarded,
    records,
    steps,
    text,
)

SOURCE = FRAME_SOURCES["registrations"]
DEVICE_COLUMNS = ["Serial", "Name", "Model", "Tags", "Enrollment status", "Carries a Drop Ship tag"]

META = CheckMeta(
    id="devices_registered",
    title="Devices are registered for Drop Ship with the tag and synced",
    severity="low",
    requirement=(
        "Register all devices with the Workspace ONE OEM Provisioning Service using the Drop "
        "Ship tag, and sync them so they are listed on the Enrollment Status page."
    ),
    rationale=(
        "A device not registered (or registered without the tag) is unknown to the OEM "
        "Provisioning Service or matches no smart group, so it is not provisioned. Low: before "
        "the first order no device is registered yet, which should not block a readiness review."
    ),
    remediation=steps(
        "Give the manufacturer the Drop Ship tag with the Staging & Provisioning values, and ask "
        "them to register every device with it.",
        f"Select the Drop Ship organization group, open {PATH_ENROLLMENT_STATUS}, and select Sync "
        "Devices > Windows (or wait for the scheduler).",
        "Confirm the devices are listed with the tag, then re-run the audit.",
    ),
    references=(REF_DSP_ONLINE,),
)


def _enrolled(status: Any) -> bool:
    s = fold(status).replace(" ", "")
    return "enrolled" in s and "unenrolled" not in s and "notenrolled" not in s


@guarded(SOURCE)
def evaluate(ctx: CheckContext) -> Outcome:
    """Count registered, enrolled and tagged devices."""
    inv = ctx.inventory
    gap = gap_outcome(inv, "registrations", what="the devices registered for Drop Ship")
    if gap is not None:
        return gap
    wanted = {t.casefold() for t in configured_tags(ctx)}
    regs = records(inv, "registrations")
    tagged: list[list[Any]] = []
    untagged: list[list[Any]] = []
    for r in regs:
        tags = [text(t) for t in as_list(r.get("tags"), "registrations.tags")]
        has = any(t.casefold() in wanted for t in tags)
        (tagged if has else untagged).append(
            [
                text(r.get("serial")),
                text(r.get("name")),
                text(r.get("model")),
                ", ".join(tags),
                text(r.get("enrollment_status")),
                has,
            ]
        )
    enrolled = sum(1 for r in regs if _enrolled(r.get("enrollment_status")))
    counts = (
        f"{len(regs)} registered, {enrolled} enrolled, {len(regs) - enrolled} pending; "
        f"{len(tagged)} carry a Drop Ship tag"
    )
    if not regs:
        return Outcome(
            "fail",
            "No device is registered for Drop Ship in the OG (0 registered).",
            Evidence(["Registered", "Enrolled", "Pending"], [[0, 0, 0]], SOURCE),
        )
    if not wanted:
        return Outcome(
            "warn",
            f"No Drop Ship tag is configured to compare with ({counts}).",
            Evidence(DEVICE_COLUMNS, untagged, SOURCE),
        )
    if not tagged:
        return Outcome(
            "fail",
            f"No registered device carries a Drop Ship tag ({counts}).",
            Evidence(DEVICE_COLUMNS, untagged, SOURCE),
        )
    if untagged:
        return Outcome(
            "warn",
            f"{len(untagged)} registered device(s) carry no Drop Ship tag ({counts}).",
            Evidence(DEVICE_COLUMNS, untagged + tagged, SOURCE),
        )
    tagged_enrolled = len([r for r in tagged if _enrolled(r[4])])
    return Outcome(
        "pass",
        f"Every registered device carries a Drop Ship tag ({counts}).",
        Evidence(
            ["Devices", "Registered", "Enrolled", "Pending"],
            [
                ["all", len(regs), enrolled, len(regs) - enrolled],
                [
                    "with a Drop Ship tag",
                    len(tagged),
                    tagged_enrolled,
                    len(tagged) - tagged_enrolled,
                ],
            ],
            SOURCE,
        ),
    )


CHECK = Check(META, evaluate)
