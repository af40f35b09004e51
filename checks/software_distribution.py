"""software_distribution: Software Distribution is configured in the Drop Ship OG.

Evidence: an attestation; UEM_API.md records no REST endpoint for the setting (§3).
Attestation names: ``software_distribution``, alias ``software_distribution_enabled``
(value true: configured). Without one, Win32 apps with install options (internal apps whose
details carry ``DeploymentOptions.HowToInstall``) managed at the Drop Ship OG or one of its
ancestors (whose settings it inherits) are supporting evidence, and the check passes as an
inference (said so in the summary); with neither: ``manual``.

Relies on: ``GET /api/mam/apps/search`` and ``GET /api/mam/apps/internal/{id}``
(``DeploymentOptions.HowToInstall`` confirmed by captured fixtures); that such apps exist
only where Software Distribution is configured is an inference, not a documented fact.
"""

from __future__ import annotations

from audit.inventory import frames_source
from audit.inventory_rows import App, OrgGroup, dropship_og, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from checks._common import (
    PATH_INTERNAL_APPS,
    REF_DSP_ONLINE,
    REF_SOFTWARE_DISTRIBUTION,
    gap_outcome,
    manual,
    steps,
)

SOURCE = frames_source("apps", "app_assignments")
SETTING = "Software Distribution in the Drop Ship organization group"

META = CheckMeta(
    id="software_distribution",
    title="Software Distribution is configured in the Drop Ship organization group",
    severity="medium",
    requirement=(
        "Configure Software Distribution (of Win32 applications) in the organization group where "
        "the Drop Ship Provisioning (Online) settings reside."
    ),
    rationale=(
        "Drop Ship delivers Win32 apps through Software Distribution; where it is not configured "
        "the apps assigned to the Drop Ship smart group are not installed during provisioning "
        "and devices ship without them. Medium: profiles and enrollment still work."
    ),
    remediation=steps(
        "Select the Drop Ship organization group and confirm Software Distribution of Win32 "
        "applications is configured there (see the vendor's Software Distribution guide); Win32 "
        f"apps are then managed at {PATH_INTERNAL_APPS}.",
        f"Upload at least one Win32 app at {PATH_INTERNAL_APPS} > Add Application, set its "
        "Deployment Options > How To Install (Install Context Device), and assign it.",
        "Record an attestation (check software_distribution, value true) with a screenshot.",
    ),
    references=(REF_DSP_ONLINE, REF_SOFTWARE_DISTRIBUTION),
    settings=("software_distribution_enabled",),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Attestation first; else Win32 apps with install options as inferred evidence; else manual."""
    inv = ctx.inventory

    def inferred() -> Outcome:
        og = og_row.id if (og_row := dropship_og(inv)) else None
        ancestors = {g.id for g in rows(inv, OrgGroup) if g.in_scope is False}
        found = [
            a
            for a in rows(inv, App)
            if a.has_install_options and (og is None or a.og_id in (None, og, *ancestors))
        ]
        if found:
            return Outcome(
                "pass",
                f"Inferred, not attested: {len(found)} Win32 app(s) with install options are "
                "managed at the Drop Ship OG or above, which needs Software Distribution; record "
                "an attestation to confirm.",
                Evidence(
                    ["App", "Version", "App type", "Managed by OG", "Status"],
                    [[a.name, a.version, a.app_type, a.og_id or "", a.status] for a in found],
                    SOURCE,
                ),
            )
        gap = gap_outcome(inv, "apps", "app_detail", what="the Windows apps of the OG")
        if gap is not None:
            return gap
        return manual(
            META, SETTING, "No attestation, and no Win32 app with install options in the OG", SOURCE
        )

    return decide_by_attestation(ctx, META, SETTING, names=META.settings, otherwise=inferred)


CHECK = Check(META, evaluate)
