"""payloads_assigned: profiles and apps are assigned to the Drop Ship smart group.

Evidence: ``inventory.profile_assignments`` (``GET /api/mdm/profiles/search``,
``/api/mdm/profiles/{id}``: ``AssignedSmartGroups``) and ``inventory.app_assignments``
(``GET /api/mam/apps/internal/{id}``: ``Assignments[]``) whose smart group is a Drop Ship
smart group; an inactive profile (``profile_active`` false) assigns nothing and does not
count. Both kinds: ``pass``; one kind only: ``warn``; neither: ``fail``. Failed reads
of either make a "neither" or "one kind" result ``error``.

Relies on (unconfirmed in UEM_API.md §8, §9): profile search/detail field names by version;
only internal (Win32) apps' details are read, so public-store app assignments are not seen.
"""

from __future__ import annotations

from typing import Any

from audit.inventory import FRAME_SOURCES, Inventory, frames_source
from audit.inventory_rows import AppAssignment, ProfileAssignment, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    PATH_INTERNAL_APPS,
    REF_DSP_ONLINE,
    DropShipGroups,
    dropship_groups,
    gap_outcome,
    steps,
)

SOURCE = frames_source("profile_assignments", "app_assignments")
COLUMNS = ["Kind", "Name", "Smart group", "Endpoint"]

META = CheckMeta(
    id="payloads_assigned",
    title="Profiles and apps are assigned to the Drop Ship smart group",
    severity="medium",
    requirement=(
        "Assign profiles to the Drop Ship provisioning smart group and publish apps to it, so "
        "devices are provisioned with them over the air."
    ),
    rationale=(
        "Whatever is assigned to the smart group is what the Provisioning Agent installs before "
        "the device ships; with nothing assigned, devices arrive as bare enrolled machines. "
        "Medium (not low): a readiness review should catch an empty provisioning set before "
        "devices are ordered."
    ),
    remediation=steps(
        "Open Resources > Profiles & Baselines > Profiles, edit each profile Drop Ship devices "
        "need, and add the Drop Ship smart group to its Assigned Groups; save and publish.",
        f"Open {PATH_INTERNAL_APPS}, and for each app select Assign, add an assignment to the "
        "Drop Ship smart group with App Delivery Method Auto; save and publish.",
        "Re-run the audit.",
    ),
    references=(REF_DSP_ONLINE,),
)


def _assigned(inv: Inventory, groups: DropShipGroups) -> list[list[Any]]:
    """The evidence rows: each active profile and each app assigned to a Drop Ship group."""
    profiles = FRAME_SOURCES["profile_assignments"]
    apps = FRAME_SOURCES["app_assignments"]
    table = [
        ["Profile", p.profile_name, groups.label(p.smart_group_id, p.smart_group_name), profiles]
        for p in rows(inv, ProfileAssignment)
        # an inactive profile assigns nothing
        if p.profile_active is not False and groups.matches(p.smart_group_id, p.smart_group_name)
    ]
    table += [
        ["App", a.app_name, groups.label(a.smart_group_id, a.smart_group_name), a.endpoint or apps]
        for a in rows(inv, AppAssignment)
        if groups.matches(a.smart_group_id, a.smart_group_name)
    ]
    return table


def evaluate(ctx: CheckContext) -> Outcome:
    """Count the profiles and apps assigned to Drop Ship smart groups."""
    inv = ctx.inventory
    groups = dropship_groups(inv)
    table = _assigned(inv, groups)
    profiles = len({r[1] for r in table if r[0] == "Profile"})
    apps = len({r[1] for r in table if r[0] == "App"})
    evidence = Evidence(COLUMNS, table, SOURCE)
    if profiles and apps:
        return Outcome(
            "pass",
            f"{profiles} profile(s) and {apps} app(s) are assigned to the Drop Ship smart "
            f"group(s) {groups.describe()}.",
            evidence,
        )
    incomplete = gap_outcome(
        inv,
        "profiles",
        "profile_detail",
        "apps",
        "app_detail",
        "smart_groups",
        "smart_group",
        what="every assignment to the Drop Ship smart group",
    )
    if incomplete is not None:
        return incomplete
    if profiles or apps:
        missing = "app" if profiles else "profile"
        return Outcome(
            "warn",
            f"Only {'profiles' if profiles else 'apps'} are assigned to the Drop Ship smart "
            f"group: no {missing} is.",
            evidence,
        )
    return _nothing_assigned(inv, groups)


def _nothing_assigned(inv: Inventory, groups: DropShipGroups) -> Outcome:
    """``fail``, showing what was looked at: nothing of either kind names a Drop Ship group."""
    why = f"to {groups.describe()}" if groups else "(no Drop Ship smart group was identified)"
    looked_at = [
        [
            "Profile",
            f"none of {len(inv.profiles)} profile(s) in scope",
            groups.describe() or "none identified",
            FRAME_SOURCES["profile_assignments"],
        ],
        [
            "App",
            f"none of {len(inv.apps)} app(s) in scope",
            groups.describe() or "none identified",
            FRAME_SOURCES["app_assignments"],
        ],
    ]
    return Outcome(
        "fail", f"No profile and no app is assigned {why}.", Evidence(COLUMNS, looked_at, SOURCE)
    )


CHECK = Check(META, evaluate)
