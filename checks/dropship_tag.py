"""dropship_tag: every tag given to the manufacturer exists in the Drop Ship OG.

Evidence: ``GET /api/mdm/tags/search?organizationgroupid={id}`` (``inventory.tags``; ``Tags[]``
with ``TagName``, confirmed by vendor samples) compared with ``dropship.tags``, ignoring
case (a case difference is shown). No tag configured is ``fail``: the manufacturer needs one.

Relies on (unconfirmed in UEM_API.md §12): the tag search may include tags inherited from
parent OGs; a tag visible at the OG counts, as the console also offers inherited tags.
"""

from __future__ import annotations

from audit.inventory import FRAME_SOURCES
from audit.inventory_rows import Tag, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from checks._common import (
    PATH_TAGS,
    REF_DSP_ONLINE,
    configured_tags,
    gap_outcome,
    steps,
)

SOURCE = FRAME_SOURCES["tags"]
COLUMNS = ["Tag", "Found in OG", "Tag id", "Note"]

META = CheckMeta(
    id="dropship_tag",
    title="The Drop Ship tag given to the manufacturer exists in the organization group",
    severity="medium",
    requirement=(
        "Create a tag in the Drop Ship organization group and give its value to the "
        "manufacturer, who registers the devices with it."
    ),
    rationale=(
        "Registered devices are matched to the Drop Ship smart group by this tag; a tag the "
        "manufacturer uses but the OG lacks matches no smart group, so devices get no profiles "
        "or apps. Medium: it is caught by the smart group and payload checks too."
    ),
    remediation=steps(
        f"Select the Drop Ship organization group and open {PATH_TAGS}, then select Create Tag.",
        "Enter the tag name exactly as given to the manufacturer (for example RnD) and save.",
        "List the tag under [dropship] tags in the audit config and re-run.",
    ),
    references=(REF_DSP_ONLINE,),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Each configured tag must be among the OG's tags."""
    inv = ctx.inventory
    wanted = configured_tags(ctx)
    if not wanted:
        return Outcome(
            "fail",
            "No Drop Ship tag is configured ([dropship] tags); the manufacturer needs one to "
            "register devices.",
            Evidence(["Setting", "Value"], [["[dropship] tags", "(empty)"]], "config [dropship]"),
        )
    gap = gap_outcome(inv, "tags", what="the tags of the Drop Ship OG")
    if gap is not None:
        return gap
    existing: dict[str, tuple[str, str]] = {}
    for row in rows(inv, Tag):
        if row.name.strip():
            existing.setdefault(row.name.strip().casefold(), (row.name.strip(), row.id or ""))
    table, missing = [], []
    for tag in wanted:
        hit = existing.get(tag.casefold())
        if hit is None:
            missing.append(tag)
            table.append([tag, False, None, "missing"])
        else:
            note = "" if hit[0] == tag else f"named {hit[0]!r} in the console (case differs)"
            table.append([tag, True, hit[1], note])
    configured = {t.casefold() for t in wanted}
    table += [
        [name, True, tid, "exists, not configured"]
        for f, (name, tid) in sorted(existing.items())
        if f not in configured
    ]
    evidence = Evidence(COLUMNS, table, SOURCE)
    if missing:
        return Outcome(
            "fail",
            f"{len(missing)} of {len(wanted)} configured tag(s) missing from the OG: "
            f"{', '.join(missing)} ({len(existing)} tag(s) exist there).",
            evidence,
        )
    return Outcome("pass", f"All configured tags exist in the OG: {', '.join(wanted)}.", evidence)


CHECK = Check(META, evaluate)
