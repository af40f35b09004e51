"""dropship_enabled: Drop Ship Provisioning is enabled in Staging & Provisioning, at the
customer OG.

Evidence: the Drop Ship settings of the OG (``GET /api/system/groups/{uuid}/dropship-
provisioning``, systemv1): ``enable_dropship_provisioning`` for the OG and for every OG
below it. Enabled at the Drop Ship OG, which is the customer-type OG, and at no OG below
it: ``pass``. Disabled there: ``fail``. Enabled at another OG of the tree (a child OG,
or the Drop Ship OG is not the customer OG): ``fail``, naming the OGs (the vendor: "You
can only enable Workspace ONE Drop Ship Provisioning (Online) at the customer OG where you
registered and enabled Autodiscovery"). The staging username the API shows is compared
with ``[dropship] username`` in the evidence (the handover sheet flags a mismatch).

An attestation (names ``dropship_enabled``, alias ``drop_ship_provisioning``) that
contradicts the API is itself a finding, shown with both values: ``warn`` when the API
passes, the API's ``fail`` otherwise. Where the console predates the endpoint (404) or it
could not be read, the check falls back to what it did before the endpoint was known, and
says so: the attestation; else the devices registered for Drop Ship in the OG
(``GET /api/mdm/groups/{ogUuid}/enrollment-tokens``) as inferred evidence (404 only); else
``manual``; an unreadable endpoint without an attestation is an ``error`` (a 403 names the
permission to grant).
"""

from __future__ import annotations

from typing import Any

from audit.inventory import FRAME_SOURCES
from audit.inventory_rows import DropShipOG, Registration, dropship_og, fold, rows, text
from audit.plugin import (
    Check,
    CheckContext,
    CheckMeta,
    Evidence,
    Outcome,
    attestation_record,
    decide_by_attestation,
)
from audit.scope import is_dropship_token
from audit.uem.catalogue import sources
from checks._common import (
    PATH_STAGING,
    REF_DSP_ONLINE,
    dropship,
    gap_outcome,
    gaps,
    manual,
    steps,
)

SOURCE = sources("dropship_settings")
TOKENS = FRAME_SOURCES["registrations"]
SETTING = "Drop Ship Provisioning enabled in Staging & Provisioning"
COLUMNS = ["Organization group", "Type", "Drop Ship enabled", "Staging username", "Finding"]

META = CheckMeta(
    id="dropship_enabled",
    title="Workspace ONE Drop Ship Provisioning is enabled at the customer OG, and only there",
    severity="medium",
    requirement=(
        "Enable Workspace ONE Drop Ship Provisioning (Online) in Staging & Provisioning of the "
        "customer organization group where autodiscovery is registered (only there), and give "
        "the UPN, username, password and OG UUID to the manufacturer."
    ),
    rationale=(
        "Until the section is enabled the OG has no UPN, username, password and OG UUID to give "
        "the manufacturer, so the Provisioning Agent has nothing to enroll with; Drop Ship can "
        "only be enabled at the customer OG where autodiscovery is registered, and devices "
        "enroll into that OG. Medium: it is noticed at the first pilot device."
    ),
    remediation=steps(
        f"Select the customer organization group (where autodiscovery is registered) and open "
        f"{PATH_STAGING}.",
        "In the Workspace ONE Drop Ship Provisioning section select Enabled, then save.",
        "At every other organization group the evidence lists as enabled, open the same page "
        "and select Disabled (or Inherit, if the parent is not enabled).",
        "Copy the UPN, Username, Password and Organization Group UUID for the manufacturer.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("drop_ship_provisioning",),
)


def _yes(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "(not read)")


def _from_api(ctx: CheckContext, settings: dict[str, Any]) -> Outcome:
    """The verdict of the settings read from the API (then weighed against an attestation)."""
    inv = ctx.inventory
    og = dropship_og(inv) or DropShipOG(None, "", "", "", "")
    name = og.label
    customer = og.type.strip().casefold() == "customer"
    enabled = settings["enabled"] is True
    others = [s for s in settings["sub_ogs"] if s.get("enabled") is True]
    username = settings.get("username")
    wanted = text(dropship(ctx).get("username")).strip()
    note = ""
    if wanted and username is not None and wanted.casefold() != username.strip().casefold():
        note = f" (staging username '{username}', not the configured '{wanted}')"
    own = "" if enabled and customer else ("not the customer OG" if enabled else "disabled")
    rows = [[name, og.type, _yes(settings["enabled"]), username or "", own]]
    rows += [
        [text(s.get("name")) or text(s.get("uuid")), "below the Drop Ship OG", "yes", "", "enabled"]
        for s in others
    ]
    elsewhere = ", ".join(r[0] for r in rows[1:])
    if not enabled:
        also = f"; it is enabled at {elsewhere} instead" if others else ""
        summary = f"Drop Ship Provisioning is disabled at the Drop Ship OG {name}{also}{note}."
        return Outcome("fail", summary, Evidence(COLUMNS, rows, SOURCE))
    if not customer or others:
        kind = og.type or "unknown-type"
        where = [] if customer else [f"{name} (a {kind} OG, not the customer OG)"]
        where += [f"{elsewhere} below the Drop Ship OG"] if others else []
        return Outcome(
            "fail",
            f"Drop Ship Provisioning is enabled at {' and at '.join(where)}: it can only be "
            f"enabled at the customer OG where autodiscovery is registered{note}.",
            Evidence(COLUMNS, rows, SOURCE),
        )
    return Outcome(
        "pass",
        f"Drop Ship Provisioning is enabled at the customer OG {name} and at no OG below it{note}.",
        Evidence(COLUMNS, rows, SOURCE),
    )


def _weigh(ctx: CheckContext, outcome: Outcome, api_enabled: bool) -> Outcome:
    """An attestation that contradicts the API is a finding (both values shown)."""
    att = ctx.attestation(META.id, *META.settings)
    if att is None:
        return outcome
    record = attestation_record(att, ctx)
    row = [f"attestation by {att.by} on {att.date.isoformat()}", "", _yes(att.value), "", ""]
    agrees = att.value == api_enabled
    row[4] = "agrees with the API" if agrees else "contradicts the API"
    evidence = Evidence(
        outcome.evidence.columns, [*outcome.evidence.rows, row], outcome.evidence.source
    )
    if agrees:
        return Outcome(outcome.status, outcome.summary, evidence, record)
    said = "enabled" if att.value else "not enabled"
    api = "enabled at the Drop Ship OG" if api_enabled else "not enabled there"
    status = "warn" if outcome.status == "pass" else outcome.status
    return Outcome(
        status,
        f"{outcome.summary[:-1]}; the attestation by {att.by} ({att.date.isoformat()}) says "
        f"{said}, but the API says {api}: correct or withdraw the attestation.",
        evidence,
        record,
    )


def _fallback(ctx: CheckContext, why: str, old_console: bool) -> Outcome:
    """The settings could not be read: the attestation, else (404) the tokens, else manual."""
    inv = ctx.inventory

    def inferred() -> Outcome:
        if not old_console:
            problem = gap_outcome(inv, "dropship_settings", what="the Drop Ship settings")
            if problem is not None:
                return problem
        gap = gap_outcome(inv, "registrations", what="the devices registered for Drop Ship")
        if gap is not None:
            return gap
        og_uuid = fold((dropship_og(inv) or DropShipOG(None, "", "", "", "")).uuid)
        found = [
            r
            for r in rows(inv, Registration)
            if (not og_uuid or r.og_uuid.strip().casefold() in ("", og_uuid))
            and is_dropship_token(r.token_type or None)
        ]
        if not found:
            return manual(
                META,
                SETTING,
                f"{why}; no attestation, and no device is registered for Drop Ship in the OG",
                TOKENS,
            )
        return Outcome(
            "pass",
            f"{why}. Inferred, not attested: {len(found)} device(s) are registered for Drop "
            "Ship in the OG, which needs Drop Ship enabled; record an attestation to confirm.",
            Evidence(
                ["Serial", "Name", "Tags", "Enrollment status"],
                [
                    [
                        r.serial,
                        r.name,
                        "(not read)" if r.tags is None else ", ".join(r.tags),
                        r.enrollment_status,
                    ]
                    for r in found
                ],
                TOKENS,
            ),
        )

    decided = decide_by_attestation(ctx, META, SETTING, names=META.settings, otherwise=inferred)
    if decided.attestation is not None:
        decided.summary = f"{why}; decided on the attestation. {decided.summary}"
    return decided


def evaluate(ctx: CheckContext) -> Outcome:
    """The settings from the API; the attestation (and older evidence) where unreadable."""
    inv = ctx.inventory
    settings = inv.dropship_settings
    if settings is not None and inv.dropship_og is not None:
        outcome = _from_api(ctx, settings)
        return _weigh(ctx, outcome, settings["enabled"] is True)
    problems = gaps(inv, "dropship_settings")
    old_console = any(g.status == 404 for g in problems)
    if old_console:
        why = (
            f"The console does not offer {SOURCE} (HTTP 404: consoles before about 22.12), so "
            "the setting cannot be read from the API"
        )
    elif problems:
        why = f"The Drop Ship settings could not be read ({problems[0].reason.split('; grant')[0]})"
    else:
        why = "The Drop Ship settings were not read"
    return _fallback(ctx, why, old_console or not problems)


CHECK = Check(META, evaluate)
