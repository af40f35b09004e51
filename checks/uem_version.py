"""uem_version: the Workspace ONE UEM console is 2105 or later.

Evidence: ``ProductVersion`` of ``GET /api/system/info`` (``inventory.uem_version``),
compared part by part as integers with ``requirements.min_uem_version`` (a marketing
release such as "2105" means 21.5). Relies on: ProductVersion being the four-part dotted
console version (confirmed by the vendor's samples); whether a one-digit month is ever
zero-padded ("21.05") is unconfirmed, which numeric comparison makes harmless.
"""

from __future__ import annotations

from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome
from audit.versions import format_version, parse_version, version_at_least
from checks._common import (
    PATH_STAGING,
    REF_DSP_ONLINE,
    SYSTEM_INFO,
    error,
    gap_outcome,
    steps,
)

META = CheckMeta(
    id="uem_version",
    title="Workspace ONE UEM console is 2105 or later",
    severity="critical",
    requirement="Use Workspace ONE UEM 2105 or later.",
    rationale=(
        "Drop Ship Provisioning (Online) does not exist in consoles older than 2105: the Staging "
        "& Provisioning section to enable it is missing, so nothing else of the set-up can work. "
        "Critical because it blocks the whole feature."
    ),
    remediation=steps(
        f"Confirm the console version: the evidence shows the ProductVersion that {SYSTEM_INFO} "
        "answered.",
        "SaaS consoles are upgraded by the vendor: open a support request to schedule an upgrade "
        "of the environment to 2105 or later.",
        f"After the upgrade, confirm that {PATH_STAGING} shows the Workspace ONE Drop Ship "
        "Provisioning section.",
    ),
    references=(REF_DSP_ONLINE,),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Compare ProductVersion with min_uem_version."""
    inv = ctx.inventory
    gap = gap_outcome(inv, "system_info", what="the console version")
    if gap is not None:
        return gap
    minimum = ctx.requirements.get("min_uem_version", "2105")
    if parse_version(minimum) is None:
        return error(
            f"The configured min_uem_version {minimum!r} is not a version.",
            "bad requirement",
            f"min_uem_version = {minimum!r}",
            "config [requirements]",
        )
    seen = inv.uem_version
    if seen is None or (isinstance(seen, str) and not seen.strip()):
        return error(
            "The console did not report a ProductVersion.",
            "ProductVersion missing",
            f"{SYSTEM_INFO} answered no ProductVersion",
            SYSTEM_INFO,
        )
    parsed = parse_version(seen)
    if parsed is None:
        return error(
            f"The console's ProductVersion {seen!r} cannot be read as a version.",
            "ProductVersion unparsable",
            repr(seen),
            SYSTEM_INFO,
        )
    ok = version_at_least(seen, minimum)
    need = format_version(parse_version(minimum) or ())
    evidence = Evidence(
        ["Field", "Value seen", "Read as", "Required"],
        [["ProductVersion", str(seen), format_version(parsed), f">= {need} ({minimum})"]],
        SYSTEM_INFO,
    )
    if ok:
        return Outcome("pass", f"The console runs {seen}, at least {need} ({minimum}).", evidence)
    return Outcome(
        "fail", f"The console runs {seen}, older than the required {need} ({minimum}).", evidence
    )


CHECK = Check(META, evaluate)
