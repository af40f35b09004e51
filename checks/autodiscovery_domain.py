"""autodiscovery_domain: an email domain is registered for autodiscovery at the customer OG.

Evidence: the public discovery service's lookup of ``dropship.email_domain``
(``GET {autodiscovery_url}/autodiscovery/awcredentials.aws/v2/domainlookup/domain/{domain}``,
``inventory.discovery``): a 200 whose ``GroupId`` equals (case-insensitively) the Drop Ship
OG's GroupId passes; another GroupId, or a non-200 (not registered), fails showing what the
service answered; an unreachable service is ``error``; no email_domain configured is
``manual``. An attestation overrides the lookup. Attestation names: ``autodiscovery_domain``,
alias ``autodiscovery_enrollment`` (value true: registered at the customer OG).

Relies on (unconfirmed in UEM_API.md §5): that the discovery service's answer is exactly what
the console's autodiscovery registration writes. The lookup is therefore presented as
evidence with that caveat, and an attestation settles it.
"""

from __future__ import annotations

from typing import Any

from audit.inventory_rows import dropship_og, fold, text
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from checks._common import (
    DISCOVERY,
    PATH_AUTHENTICATION,
    REF_AUTODISCOVERY,
    REF_DSP_ONLINE,
    REF_ENROLLMENT_SETTINGS,
    dropship,
    error,
    manual,
    steps,
)

SETTING = "the email domain registered for autodiscovery at the customer OG"
CAVEAT = (
    "the public discovery service's answer is evidence, not confirmed to be exactly the "
    "console's registration; an attestation settles it"
)

META = CheckMeta(
    id="autodiscovery_domain",
    title="The enrollment email domain is registered for autodiscovery at the customer OG",
    severity="high",
    requirement=(
        "Register an email domain for enrollment (Autodiscovery Enrollment) at the customer "
        "organization group; Drop Ship can only be enabled at the customer OG where it is "
        "registered and enabled, and devices enroll into that OG."
    ),
    rationale=(
        "Drop Ship devices find their tenant and OG through autodiscovery; with the domain "
        "missing or registered at another OG they cannot enroll, or enroll where the Drop Ship "
        "assignments do not apply. High because every device is affected."
    ),
    remediation=steps(
        "Select the customer organization group that holds the Drop Ship settings and open "
        f"{PATH_AUTHENTICATION}.",
        "Select Add Email Domain, enter the domain your users' addresses use, and complete the "
        "registration (see Autodiscovery Enrollment).",
        "If the domain is registered at another OG or environment, remove it there first; a "
        "domain can be registered at one OG only.",
        "Re-run the audit; or record an attestation (check autodiscovery_domain, value true).",
    ),
    references=(REF_DSP_ONLINE, REF_AUTODISCOVERY, REF_ENROLLMENT_SETTINGS),
    settings=("autodiscovery_enrollment",),
)


def _lookup(ctx: CheckContext) -> Outcome:
    inv = ctx.inventory
    found: Any = inv.discovery
    cfg = dropship(ctx)
    if found is None:
        why = (
            "No email_domain is configured in [dropship], so no lookup was made"
            if not cfg.get("email_domain")
            else "No discovery lookup was recorded for the configured email_domain"
        )
        return manual(META, SETTING, why, "config [dropship] email_domain")
    if not isinstance(found, dict):
        return error(
            "The discovery lookup was recorded in an unexpected shape.",
            "unexpected discovery record",
            f"{type(found).__name__} {found!r:.80}",
            DISCOVERY,
        )
    domain, url = text(found.get("domain")), text(found.get("url")) or DISCOVERY
    source = f"GET {url}" if not url.startswith("GET ") else url
    if found.get("error"):
        return error(
            f"The discovery service could not be asked about {domain}: {found['error']}.",
            "discovery lookup failed",
            text(found["error"]),
            source,
        )
    status = found.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        return error(
            f"The discovery lookup of {domain} recorded no HTTP status.",
            "unexpected discovery record",
            f"status = {status!r}",
            source,
        )
    return _compare(ctx, found, domain, status, source)


def _compare(
    ctx: CheckContext, found: dict[str, Any], domain: str, status: int, source: str
) -> Outcome:
    """The discovery service's answer against the Drop Ship OG's GroupId."""
    og = dropship_og(ctx.inventory)
    expected = (og.group_id if og else "") or text(dropship(ctx).get("organization_group"))
    answered = text(found.get("group_id"))
    evidence = Evidence(
        ["Domain", "HTTP status", "GroupId answered", "Expected GroupId (Drop Ship OG)"],
        [[domain, status, answered or None, expected or None]],
        source,
    )
    if status != 200:
        return Outcome(
            "fail",
            f"The discovery service does not know {domain} (HTTP {status}): the domain is not "
            "registered for autodiscovery.",
            evidence,
        )
    if not answered:
        return error(
            f"The discovery service answered 200 for {domain} without a GroupId.",
            "unexpected discovery answer",
            text(found.get("body"))[:200],
            source,
        )
    if not expected:
        return error(
            "The Drop Ship OG's GroupId is unknown, so the lookup cannot be compared.",
            "Drop Ship OG unknown",
            "set [dropship] organization_group",
            source,
        )
    if fold(answered) == fold(expected):
        return Outcome(
            "pass",
            f"{domain} is registered for autodiscovery at GroupId {answered}, the Drop Ship OG "
            f"({CAVEAT}).",
            evidence,
        )
    return Outcome(
        "fail",
        f"{domain} is registered for autodiscovery at GroupId {answered}, not at the Drop Ship OG "
        f"{expected} ({CAVEAT}).",
        evidence,
    )


def evaluate(ctx: CheckContext) -> Outcome:
    """An attestation overrides the discovery lookup."""
    return decide_by_attestation(
        ctx, META, SETTING, names=META.settings, otherwise=lambda: _lookup(ctx)
    )


CHECK = Check(META, evaluate)
