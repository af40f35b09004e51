"""smart_group_tag_criteria: a smart group selects devices by a Drop Ship tag.

Evidence: the smart groups of the OG and their criteria (``GET /api/mdm/smartgroups/search``
then ``GET /api/mdm/smartgroups/{id}``; ``inventory.smart_groups`` ``tag_ids``/``tag_names``),
with tag ids resolved to names through ``GET /api/mdm/tags/search``. When ``dropship.smart_groups``
is configured only those groups count (their criteria are the ones collected); otherwise any
smart group of the OG does. Criteria that could not be read make a "none found" ``error``.

Relies on (unconfirmed in UEM_API.md §7): a criteria ``Tags`` element carries a string id
(``{"Id": "3"}``) and perhaps a name; matching is on the id, and on the name when present.
"""

from __future__ import annotations

from typing import Any

from audit.inventory import frames_source
from audit.inventory_rows import SmartGroup, Tag, as_list, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    PATH_SMART_GROUPS,
    REF_DSP_ONLINE,
    configured_tags,
    dropship,
    gap_evidence,
    gaps,
    permission_outcome,
    steps,
)

SOURCE = frames_source("smart_groups", "tags")
COLUMNS = ["Smart group", "Id", "Criteria type", "Tags in criteria", "Selects a Drop Ship tag"]

META = CheckMeta(
    id="smart_group_tag_criteria",
    title="A smart group selects devices by the Drop Ship tag",
    severity="medium",
    requirement=(
        "Create a smart group of the Criteria type whose Tag section holds the tag given to the "
        "manufacturer; Drop Ship uses the tag to match the configuration to the devices."
    ),
    rationale=(
        "Profiles and apps reach Drop Ship devices only through a smart group that selects them "
        "by the registration tag; without one the devices match no assignment and ship bare. "
        "Medium: visible early in a pilot."
    ),
    remediation=steps(
        f"Select the Drop Ship organization group and open {PATH_SMART_GROUPS}, then select Add "
        "Smart Group.",
        "Enter a name, use the Criteria type, and in the Tag section enter the Drop Ship tag.",
        "Save the smart group; list it under [dropship] smart_groups in the audit config if you "
        "name the groups explicitly, and re-run.",
    ),
    references=(REF_DSP_ONLINE,),
)


def _row(g: SmartGroup, tag_names: dict[str | None, str], match: bool) -> list[Any]:
    """A smart group's evidence row: its criteria's tags by name (and id)."""
    shown = list(
        dict.fromkeys(
            g.tag_names
            + [f"{tag_names[i]} ({i})" if tag_names.get(i) else f"id {i}" for i in g.tag_ids if i]
        )
    )
    tags = ", ".join(shown) if g.criteria_read is not False else "(criteria not read)"
    return [g.name, g.id or "", g.criteria_type, tags, match]


def evaluate(ctx: CheckContext) -> Outcome:
    """At least one (Drop Ship) smart group must hold a configured tag in its criteria."""
    inv = ctx.inventory
    wanted = {t.casefold() for t in configured_tags(ctx)}
    if not wanted:
        return Outcome(
            "fail",
            "No Drop Ship tag is configured ([dropship] tags), so no smart group can select "
            "devices by it.",
            Evidence(["Setting", "Value"], [["[dropship] tags", "(empty)"]], "config [dropship]"),
        )
    tag_names = {t.id: t.name for t in rows(inv, Tag)}
    wanted_ids = {tid for tid, name in tag_names.items() if tid and name.casefold() in wanted}
    groups = rows(inv, SmartGroup)
    if as_list(dropship(ctx).get("smart_groups"), "dropship.smart_groups"):
        groups = [g for g in groups if g.is_dropship]
    table: list[list[Any]] = []
    hits, unread = [], []
    for g in groups:
        match = any(n.strip().casefold() in wanted for n in g.tag_names) or any(
            i in wanted_ids for i in g.tag_ids
        )
        if match:
            hits.append(g)
        elif g.criteria_read is False:
            unread.append(g)
        table.append(_row(g, tag_names, match))
    table.sort(key=lambda r: not r[-1])
    evidence = Evidence(COLUMNS, table, SOURCE)
    if hits:
        return Outcome(
            "pass",
            f"{len(hits)} smart group(s) select devices by a Drop Ship tag: "
            f"{', '.join(g.name for g in hits)}.",
            evidence,
        )
    problems = gaps(inv, "smart_groups", "smart_group", "tags")
    denied = [g for g in problems if g.kind == "permission"]
    if denied:
        return permission_outcome(denied, problems)
    if problems or unread:
        ev = gap_evidence(problems) if problems else evidence
        return Outcome(
            "error",
            f"No smart group read so far selects a Drop Ship tag, but {len(problems)} request(s) "
            f"failed and {len(unread)} smart group(s)' criteria could not be read.",
            ev,
        )
    return Outcome(
        "fail",
        f"None of the {len(groups)} smart group(s) considered has a Drop Ship tag "
        f"({', '.join(configured_tags(ctx))}) in its criteria.",
        evidence,
    )


CHECK = Check(META, evaluate)
