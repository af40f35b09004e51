"""hub_auto_update: Intelligent Hub Automatic Updates is enabled.

Evidence: an attestation only; UEM_API.md records no REST endpoint for the console setting
"Intelligent Hub Automatic Updates" (unconfirmed that none exists). Attestation names:
``hub_auto_update``, alias ``intelligent_hub_automatic_updates`` (value true: enabled).
Without one the check is ``manual``.
"""

from __future__ import annotations

from audit.plugin import Check, CheckContext, CheckMeta, Outcome, decide_by_attestation
from checks._common import PATH_HUB_APP, REF_DSP_ONLINE, steps

META = CheckMeta(
    id="hub_auto_update",
    title="Intelligent Hub Automatic Updates is enabled",
    severity="medium",
    requirement=(
        "Configure the Intelligent Hub for Windows to update automatically: enable Intelligent "
        "Hub Automatic Updates in the console."
    ),
    rationale=(
        "Devices built months before they ship carry the Hub of their build date; without "
        "automatic updates they stay on it and can fall below the supported version. Medium: it "
        "degrades devices over time rather than blocking provisioning at once."
    ),
    remediation=steps(
        f"Open {PATH_HUB_APP} at the Drop Ship organization group.",
        "Enable Intelligent Hub Automatic Updates and save.",
        "Record an attestation (check hub_auto_update, value true) with a screenshot of the page.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("intelligent_hub_automatic_updates",),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Settled by an attestation; manual without one."""
    return decide_by_attestation(
        ctx, META, "Intelligent Hub Automatic Updates", names=META.settings
    )


CHECK = Check(META, evaluate)
