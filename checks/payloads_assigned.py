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

from audit.inventory import FRAME_SOURCES
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    PATH_INTERNAL_APPS,
    REF_DSP_ONLINE,
    dropship_groups,
    flag,
    gap_outcome,
    guarded,
    records,
    steps,
    text,
)

SOURCE = f"{FRAME_SOURCES['profile_assignments']}, {FRAME_SOURCES['app_assignments']}"
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


@guarded(SOURCE)
def evaluate(ctx: CheckContext) -> Outcome:
    """Count the profiles and apps assigned to Drop Ship smart groups."""
    inv = ctx.inventory
    groups = dropship_groups(inv)
    rows: list[list[Any]] = []
    for kind, frame_name, name_col in (
        ("Profile", "profile_assignments", "profile_name"),
        ("App", "app_assignments", "app_name"),
    ):
        for a in records(inv, frame_name):
            if flag(a.get("profile_active"), "profile_assignments.profile_active") is False:
                continue  # an inactive profile assigns nothing
            if groups.matches(a.get("smart_group_id"), a.get("smart_group_name")):
                endpoint = text(a.get("endpoint")) if "endpoint" in a else FRAME_SOURCES[frame_name]
                rows.append(
                    [
                        kind,
                        text(a.get(name_col)),
                        groups.label(a.get("smart_group_id"), a.get("smart_group_name")),
                        endpoint or FRAME_SOURCES[frame_name],
                    ]
                )
    profiles = len({r[1] for r in rows if r[0] == "Profile"})
    apps = len({r[1] for r in rows if r[0] == "App"})
    evidence = Evidence(COLUMNS, rows, SOURCE)
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
    why = f"to {groups.describe()}" if groups else "(no Drop Ship smart group was identified)"
    # Show what was looked at: nothing of either kind names a Drop Ship smart group.
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
