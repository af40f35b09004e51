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
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    REF_ACCOUNTS_CSP,
    REF_DSP_ONLINE,
    dropship_groups,
    flag,
    fold,
    gap_outcome,
    guarded,
    key,
    records,
    steps,
    text,
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


@guarded(SOURCE)
def evaluate(ctx: CheckContext) -> Outcome:
    """A profile assigned to a Drop Ship smart group must create an account or join a domain."""
    inv = ctx.inventory
    groups = dropship_groups(inv)
    profiles = {key(p.get("id")): p for p in records(inv, "profiles")}
    rows: list[list[Any]] = []
    hits, unread = 0, 0
    for a in records(inv, "profile_assignments"):
        if not groups.matches(a.get("smart_group_id"), a.get("smart_group_name")):
            continue
        p = profiles.get(key(a.get("profile_id")), {})
        local = flag(p.get("local_account"), "profiles.local_account")
        joined = flag(p.get("domain_join"), "profiles.domain_join")
        active = (
            flag(p.get("active"), "profiles.active") is not False
            and fold(p.get("status")) not in INACTIVE
        )
        if (local or joined) and active:
            hits += 1
        elif active and flag(p.get("detail_read"), "profiles.detail_read") is False:
            unread += 1  # an inactive profile's payloads are not read: they cannot count
        rows.append(
            [
                text(a.get("profile_name")) or text(p.get("name")),
                groups.label(a.get("smart_group_id"), a.get("smart_group_name")),
                text(p.get("status")),
                bool(local),
                bool(joined),
                text(p.get("payload_names")),
                text(p.get("endpoint")) or SOURCE,
            ]
        )
    rows.sort(key=lambda r: not (r[3] or r[4]))
    evidence = Evidence(COLUMNS, rows, SOURCE)
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
        f"{len(rows)} profile(s) are assigned to it"
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
