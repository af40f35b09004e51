"""login_experience: a profile assigned to the Drop Ship smart group sets up the sign-in.

Evidence: the Windows profiles of the OG and their payloads (``GET /api/mdm/profiles/search``
then ``GET /api/mdm/profiles/{id}``; ``inventory.profiles`` ``local_account`` — a Custom
Settings payload whose SyncML targets ``./Device/Vendor/MSFT/Accounts/`` (Microsoft's
Accounts CSP) — and ``domain_join``), joined with ``inventory.profile_assignments`` to the
Drop Ship smart groups. An inactive profile (v2 search ``ProfileStatus`` "Inactive", or
the details' ``General.IsActive`` false: ``inventory.profiles.active``) assigns nothing and
does not count; its details are not even read. Profiles whose payloads could not be
read make a "none found" ``error``.

Relies on: the v2 search (``ProfileList``, ``AssignmentSmartGroups``) and v2 details
(``General`` plus one key per payload, Custom Settings as ``CustomSettings.installSettings``,
UEM_API.md §10); the builder searches the payload content for the Accounts CSP path rather
than relying on one key. No Windows Desktop payload of the vendor's model is a domain join,
so ``domain_join`` only fires on a payload named so (unconfirmed).
"""

from __future__ import annotations

from typing import Any

from audit.inventory import FRAME_SOURCES
from audit.inventory_rows import Profile, ProfileAssignment, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    REF_ACCOUNTS_CSP,
    REF_DSP_ONLINE,
    DropShipGroups,
    dropship_groups,
    gap_outcome,
    steps,
)

SOURCE = FRAME_SOURCES["profiles"]
COLUMNS = [
    "Profile",
    "Smart group",
    "Status",
    "Local account (Accounts CSP)",
    "Domain join",
    "Payloads",
    "Endpoint",
]
INACTIVE = {"inactive", "disabled", "deactivated"}

META = CheckMeta(
    id="login_experience",
    title="A local account or domain join profile is assigned to the Drop Ship smart group",
    severity="medium",
    requirement=(
        "Configure the sign-in experience: a local administrator account through a Custom "
        "Settings profile using Microsoft's Accounts CSP, or a domain join configuration, "
        "assigned to the Drop Ship smart group."
    ),
    rationale=(
        "A Drop Ship device reaches its user already past the out-of-box experience; without a "
        "local account or a domain join there is no account to sign in with and the device must "
        "be reset. Medium: caught at the first pilot device."
    ),
    remediation=steps(
        "Open Resources > Profiles & Baselines > Profiles > Add > Add Profile > Windows > "
        "Windows Desktop > Device Profile.",
        "Add a Custom Settings payload whose SyncML creates a local administrator with the "
        "Accounts CSP (./Device/Vendor/MSFT/Accounts/Users/...), or configure a domain join for "
        "on-premises Active Directory.",
        "Assign the profile to the Drop Ship smart group, save and publish, then re-run the audit.",
    ),
    references=(REF_DSP_ONLINE, REF_ACCOUNTS_CSP),
)


#: A profile assignment whose profile is not in the frame: nothing known of its payloads.
UNKNOWN = Profile(None, "", "", "", None, "", "", "", [], None, None, None, "")


def _row(a: ProfileAssignment, p: Profile, groups: DropShipGroups) -> list[Any]:
    return [
        a.profile_name or p.name,
        groups.label(a.smart_group_id, a.smart_group_name),
        p.status,
        bool(p.local_account),
        bool(p.domain_join),
        ", ".join(p.payload_names),
        p.endpoint or SOURCE,
    ]


def evaluate(ctx: CheckContext) -> Outcome:
    """A profile assigned to a Drop Ship smart group must create an account or join a domain."""
    inv = ctx.inventory
    groups = dropship_groups(inv)
    profiles = {p.id: p for p in rows(inv, Profile)}
    table: list[list[Any]] = []
    hits, unread = 0, 0
    for a in rows(inv, ProfileAssignment):
        if not groups.matches(a.smart_group_id, a.smart_group_name):
            continue
        p = profiles.get(a.profile_id, UNKNOWN)
        active = p.active is not False and p.status.strip().casefold() not in INACTIVE
        if (p.local_account or p.domain_join) and active:
            hits += 1
        elif active and p.detail_read is False:
            unread += 1  # an inactive profile's payloads are not read: they cannot count
        table.append(_row(a, p, groups))
    table.sort(key=lambda r: not (r[3] or r[4]))
    evidence = Evidence(COLUMNS, table, SOURCE)
    if hits:
        return Outcome(
            "pass",
            f"{hits} active profile assignment(s) to the Drop Ship smart group create a local "
            "account or join a domain.",
            evidence,
        )
    incomplete = gap_outcome(
        inv,
        "profiles",
        "profile_detail",
        "smart_groups",
        "smart_group",
        what="the profiles assigned to the Drop Ship smart group",
    )
    if incomplete is not None:
        return incomplete
    if unread:
        return Outcome(
            "error",
            f"The payloads of {unread} profile(s) assigned to the Drop Ship smart group could not "
            "be read, and none read creates an account or joins a domain.",
            evidence,
        )
    why = (
        f"{len(table)} profile(s) are assigned to it"
        if groups
        else "no Drop Ship smart group was identified"
    )
    return Outcome(
        "fail",
        "No active profile assigned to the Drop Ship smart group creates a local account "
        f"(Accounts CSP) or joins a domain ({why}).",
        evidence,
    )


CHECK = Check(META, evaluate)
