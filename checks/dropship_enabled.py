"""dropship_enabled: Drop Ship Provisioning is enabled in Staging & Provisioning.

Evidence: an attestation; no endpoint reads back the Drop Ship configuration (UEM_API.md
§10). Attestation names: ``dropship_enabled``, alias ``drop_ship_provisioning`` (value
true: enabled). Without one, devices registered for Drop Ship in the OG
(``GET /api/mdm/groups/{ogUuid}/enrollment-tokens``; tokens of another type than Drop Ship
Provisioning, where their details were read, do not count) are supporting evidence and
pass the check as an inference (said so in the summary); with neither: ``manual``.

Relies on (unconfirmed): that Drop Ship tokens exist only once Drop Ship is enabled for
the OG (a read of ``/api/system/groups/{uuid}/dropship-provisioning`` would settle it).
"""

from __future__ import annotations

from audit.checkapi import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from audit.inventory import FRAME_SOURCES
from audit.scope import is_dropship_token
from checks._common import (
    PATH_STAGING,
    REF_DSP_ONLINE,
    fold,
    gap_outcome,
    guarded,
    manual,
    records,
    steps,
    text,
)

SOURCE = FRAME_SOURCES["registrations"]
SETTING = "Drop Ship Provisioning enabled in Staging & Provisioning"

META = CheckMeta(
    id="dropship_enabled",
    title="Workspace ONE Drop Ship Provisioning is enabled in Staging & Provisioning",
    severity="medium",
    requirement=(
        "Enable Workspace ONE Drop Ship Provisioning (Online) in Staging & Provisioning of the "
        "Drop Ship organization group, and give the UPN, username, password and OG UUID to the "
        "manufacturer."
    ),
    rationale=(
        "Until the section is enabled the OG has no UPN, username, password and OG UUID to give "
        "the manufacturer, so the Provisioning Agent has nothing to enroll with. Medium because "
        "it is confirmed by attestation and is noticed at the first pilot device."
    ),
    remediation=steps(
        f"Select the Drop Ship organization group and open {PATH_STAGING}.",
        "In the Workspace ONE Drop Ship Provisioning section select Enabled, then save.",
        "Copy the UPN, Username, Password and Organization Group UUID for the manufacturer.",
        "Record an attestation (check dropship_enabled, value true) with a screenshot of the "
        "section.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("drop_ship_provisioning",),
)


@guarded(SOURCE)
def evaluate(ctx: CheckContext) -> Outcome:
    """Attestation first; else registered devices as inferred evidence; else manual."""
    inv = ctx.inventory

    def inferred() -> Outcome:
        gap = gap_outcome(inv, "registrations", what="the devices registered for Drop Ship")
        if gap is not None:
            return gap
        og_uuid = fold((inv.dropship_og or {}).get("uuid"))
        rows = [
            r
            for r in records(inv, "registrations")
            if (not og_uuid or fold(r.get("og_uuid")) in ("", og_uuid))
            and is_dropship_token(text(r.get("token_type")) or None)
        ]
        if not rows:
            return manual(
                META,
                SETTING,
                "No attestation, and no device is registered for Drop Ship in the OG",
                SOURCE,
            )
        return Outcome(
            "pass",
            f"Inferred, not attested: {len(rows)} device(s) are registered for Drop Ship in the "
            "OG, which needs Drop Ship enabled; record an attestation to confirm.",
            Evidence(
                ["Serial", "Name", "Tags", "Enrollment status"],
                [
                    [
                        text(r.get("serial")),
                        text(r.get("name")),
                        "(not read)" if r.get("tags") is None else text(r.get("tags")),
                        text(r.get("enrollment_status")),
                    ]
                    for r in rows
                ],
                SOURCE,
            ),
        )

    return decide_by_attestation(ctx, META, SETTING, names=META.settings, otherwise=inferred)


CHECK = Check(META, evaluate)
