"""dropship_customer_og: Drop Ship is configured at a customer-type organization group.

Evidence: the OG search by the configured GroupId (``GET /api/system/groups/search``, v2
``OrganizationGroups[]`` or v1 ``LocationGroups[]``, exact GroupId picked by the builder;
``inventory.dropship_og``): its ``LocationGroupType`` must be ``Customer``. Not found is
``fail`` listing what the search answered; a failed search is ``error``.

Relies on: ``LocationGroupType`` values "Customer"/"Container" (seen in captured responses);
that the search may match by substring (handled: exact match only). Whether autodiscovery is
registered at this same OG is the autodiscovery_domain check's question.
"""

from __future__ import annotations

from audit.inventory_rows import dropship_og, text
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    OG_SEARCH,
    PATH_STAGING,
    REF_DSP_ONLINE,
    dropship,
    error,
    gap_outcome,
    steps,
)

META = CheckMeta(
    id="dropship_customer_og",
    title="Drop Ship is configured at a customer-type organization group",
    severity="critical",
    requirement=(
        "Drop Ship Provisioning (Online) can only be enabled at the customer OG where "
        "Autodiscovery Enrollment is registered and enabled; Drop Ship devices enroll into this "
        "OG."
    ),
    rationale=(
        "Drop Ship can only be enabled at a customer-type OG (the one where autodiscovery is "
        "registered); pointed at a container OG, or at an OG that does not exist, devices have "
        "nowhere to enroll. Critical because it blocks the whole feature."
    ),
    remediation=steps(
        "Identify the customer-type organization group (Groups & Settings > Groups > "
        "Organization Groups > Details shows the Type) where autodiscovery is registered.",
        f"Configure Drop Ship at that OG: {PATH_STAGING}.",
        "Set [dropship] organization_group in the audit config to that OG's Group ID and re-run.",
    ),
    references=(REF_DSP_ONLINE,),
)

COLUMNS = ["GroupId", "Name", "UUID", "LocationGroupType"]


def evaluate(ctx: CheckContext) -> Outcome:
    """The Drop Ship OG's type must be Customer."""
    inv = ctx.inventory
    gap = gap_outcome(inv, "og_search", what="the Drop Ship organization group")
    if gap is not None:
        return gap
    wanted = text(dropship(ctx).get("organization_group"))
    og = dropship_og(inv)
    if og is None:
        candidates = inv.og_search_candidates
        if not isinstance(candidates, list):
            return error(
                "The OG search candidates are not a list.",
                "unexpected OG search record",
                f"{type(candidates).__name__}",
                OG_SEARCH,
            )
        rows = [
            [text(c.get("group_id")), text(c.get("name")), "", text(c.get("type"))]
            for c in candidates
            if isinstance(c, dict)
        ]
        return Outcome(
            "fail",
            f"No organization group has the GroupId {wanted!r}; the search answered {len(rows)} "
            "other group(s).",
            Evidence(COLUMNS, rows, OG_SEARCH),
        )
    kind, name = og.type, og.label
    evidence = Evidence(COLUMNS, [[og.group_id, og.name, og.uuid, kind]], OG_SEARCH)
    if not kind:
        return Outcome(
            "error",
            f"The search did not say what type the OG {name} is (no LocationGroupType).",
            evidence,
        )
    if kind.casefold() == "customer":
        return Outcome(
            "pass", f"The Drop Ship OG {name} is a Customer-type organization group.", evidence
        )
    return Outcome("fail", f"The Drop Ship OG {name} is of type {kind}, not Customer.", evidence)


CHECK = Check(META, evaluate)
