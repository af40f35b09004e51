"""devices_registered: devices are registered for Drop Ship with the tag, and synced.

Evidence: the Drop Ship OG's enrollment tokens (``inventory.registrations``), the list the
console shows on Devices > Lifecycle > Enrollment Status after a sync: the list
(``GET /api/mdm/groups/{ogUuid}/enrollment-tokens``) gives every token's serial and
enrollment status, the per-token details (``.../enrollment-tokens/{tokenUuid}``) its tags
and type. Tokens whose type is another kind than Drop Ship Provisioning (one-time,
persistent, DEP) are not counted. Every registered device carrying a configured tag:
``pass`` (evidence: counts registered / enrolled / pending); some without one: ``warn``
listing them; none registered, or none tagged: ``fail``; no tag configured to compare
with: ``warn``.

The last sync with the OEM Provisioning Service (``GET /api/mdm/groups/{ogUuid}/last-sync``,
seed step 7) is shown with its age (at collection); devices registered but a last sync
older than ``[requirements] max_sync_age_days``, or none at all, is a ``warn`` (registrations
made at the manufacturer since then are not listed yet) unless a finding above applies, whose
summary then says it too. A console without the endpoint (404) or an unreadable answer only
leaves the sync unstated.

Details are read in list order only as far as needed to decide (``audit/collect_details.py``):
once one tagged and one untagged registration are seen the verdict is ``warn`` whatever the
rest hold, and the summary says how many details were read. When the request budget left
details unread before the verdict was decided: ``warn`` with the counts.

Relies on: the vendor's models (EnrollmentTokenGetByCriteriaResponseModel rows carry no
tags; EnrollmentTokenResponseV1Model ``tags`` are strings, ``type`` DropshipProvisioning = 4);
``enrollment_status`` names or integers (declared order: 2 Registered, 4 Enrolled); a status
containing "enrolled" (not "unenrolled") counts as enrolled, any other as pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from audit.inventory import FRAME_SOURCES
from audit.inventory_rows import Registration, ShapeError, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from audit.scope import is_dropship_token
from audit.uem.catalogue import sources
from checks._common import (
    PATH_ENROLLMENT_STATUS,
    REF_DSP_ONLINE,
    configured_tags,
    gap_outcome,
    gaps,
    steps,
)

SOURCE = FRAME_SOURCES["registrations"]
SYNC = sources("oem_sync")
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


@dataclass
class Sync:
    """The last OEM sync as the summary and the evidence show it."""

    text: str
    #: True: older than the limit or never; None: not read.
    stale: bool | None
    row: list[Any]


def _sync(ctx: CheckContext) -> Sync:
    inv = ctx.inventory
    limit = int(ctx.requirements.get("max_sync_age_days", 7))
    sync = inv.oem_sync
    if sync is None:
        found = gaps(inv, "oem_sync")
        why = f" (HTTP {found[0].status})" if found and found[0].status else ""
        return Sync(f"last OEM sync not read{why}", None, ["(not read)", "", limit])
    last = sync.get("last_sync")
    if last is None:
        return Sync(
            "the OG never synced with the OEM Provisioning Service", True, ["never", "", limit]
        )
    when = _parse_time(str(last))
    if when is None:
        raise ShapeError(f"oem_sync.last_sync is not a date-time: {last!r:.60}")
    now = _parse_time(inv.collected_at or "") or dt.datetime.combine(ctx.today, dt.time(), dt.UTC)
    age = max(0.0, (now - when).total_seconds() / 86_400)
    shown = when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    days = int(age)
    ago = "less than a day" if days == 0 else f"{days} day{'s' if days > 1 else ''}"
    return Sync(
        f"last OEM sync {shown} ({ago} before the collection)",
        age > limit,
        [shown, round(age, 1), limit],
    )


def _parse_time(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _with_sync(outcome: Outcome, sync: Sync) -> Outcome:
    """``outcome`` with the sync stated in its summary."""
    outcome.summary = f"{outcome.summary[:-1]}; {sync.text}."
    return outcome


def _enrolled(status: str) -> bool:
    s = status.strip().casefold().replace(" ", "")
    return "enrolled" in s and "unenrolled" not in s and "notenrolled" not in s


def _row(r: Registration, has: bool | None) -> list[Any]:
    shown = "(not read)" if r.tags is None else ", ".join(r.tags)
    return [r.serial, r.name, r.model, shown, r.enrollment_status, has]


def _counts(regs: list[Registration], tagged: int, unread: int) -> str:
    enrolled = sum(1 for r in regs if _enrolled(r.enrollment_status))
    read = f"; tags read from {len(regs) - unread} of {len(regs)} token details" if unread else ""
    return (
        f"{len(regs)} registered, {enrolled} enrolled, {len(regs) - enrolled} pending; "
        f"{tagged} carry a Drop Ship tag{read}"
    )


def _undecided(ctx: CheckContext, counts: str, rows: list[list[Any]]) -> Outcome:
    """Token details unread before the verdict was decided: the failed reads' ``error``,
    or, when the request budget left them unread, a ``warn`` with the counts."""
    inv = ctx.inventory
    problem = gap_outcome(inv, "registration_detail", what="the registered devices' tags")
    if problem is not None and not any(
        g.kind == "budget" for g in inv.gaps_for("registration_detail")
    ):
        return problem
    unread = sum(1 for r in rows if r[5] is None)
    return Outcome(
        "warn",
        f"The tags of {unread} registered device(s) could not be read, so the tag requirement "
        f"is not decided ({counts}).",
        Evidence(DEVICE_COLUMNS, rows, SOURCE),
    )


def evaluate(ctx: CheckContext) -> Outcome:
    """The tag verdict, then the last OEM sync: stated, and a warning when it is stale."""
    sync = _sync(ctx)
    outcome = _tag_verdict(ctx)
    if outcome.status == "error":
        return outcome
    if outcome.status == "pass" and sync.stale:
        return Outcome(
            "warn",
            f"Devices are registered but {sync.text} (limit {sync.row[2]} days): sync the "
            f"devices so that the latest registrations are listed ({outcome.summary[:-1]}).",
            Evidence(["Last OEM sync", "Age (days)", "Limit (days)"], [sync.row], SYNC),
        )
    return _with_sync(outcome, sync)


def _tag_verdict(ctx: CheckContext) -> Outcome:
    """Count registered, enrolled and tagged devices."""
    inv = ctx.inventory
    gap = gap_outcome(inv, "registrations", what="the devices registered for Drop Ship")
    if gap is not None:
        return gap
    wanted = {t.casefold() for t in configured_tags(ctx)}
    regs = [r for r in rows(inv, Registration) if is_dropship_token(r.token_type or None)]
    tagged: list[list[Any]] = []
    untagged: list[list[Any]] = []
    unread: list[list[Any]] = []
    for r in regs:
        if r.tags is None:
            unread.append(_row(r, None))
            continue
        has = any(t.casefold() in wanted for t in r.tags)
        (tagged if has else untagged).append(_row(r, has))
    counts = _counts(regs, len(tagged), len(unread))
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
            Evidence(DEVICE_COLUMNS, untagged + tagged + unread, SOURCE),
        )
    if unread and not (tagged and untagged):
        return _undecided(ctx, counts, untagged + tagged + unread)
    if not tagged:
        return Outcome(
            "fail",
            f"No registered device carries a Drop Ship tag ({counts}).",
            Evidence(DEVICE_COLUMNS, untagged, SOURCE),
        )
    if untagged:
        at_least = "At least " if unread else ""
        return Outcome(
            "warn",
            f"{at_least}{len(untagged)} registered device(s) carry no Drop Ship tag ({counts}"
            f"{'; the rest were not read: the verdict was decided' if unread else ''}).",
            Evidence(DEVICE_COLUMNS, untagged + tagged + unread, SOURCE),
        )
    return _all_tagged(regs, tagged, counts)


def _all_tagged(regs: list[Registration], tagged: list[list[Any]], counts: str) -> Outcome:
    """``pass``: the counts of all registered devices and of those with a Drop Ship tag."""
    enrolled = sum(1 for r in regs if _enrolled(r.enrollment_status))
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
