"""auto_enrollment_disabled: Windows Desktop Auto Enrollment is disabled.

Evidence: an attestation only; UEM_API.md records no REST endpoint for the Auto Enrollment
setting (unconfirmed that none exists). Attestation names: ``auto_enrollment_disabled``
(value true: the setting is disabled, the requirement is met) or the setting-name alias
``auto_enrollment``, whose value is the setting's own state (false: disabled, passes;
true: enabled, fails). The newest of the two counts. Without one the check is ``manual``.
"""

from __future__ import annotations

from audit.plugin import Check, CheckContext, CheckMeta, Outcome
from checks._common import (
    PATH_AUTO_ENROLLMENT,
    REF_DSP_ONLINE,
    decide_with_inverted_alias,
    steps,
)

META = CheckMeta(
    id="auto_enrollment_disabled",
    title="Windows Desktop Auto Enrollment is disabled",
    severity="high",
    requirement="Disable the Auto Enrollment setting for Windows Desktop in the console.",
    rationale=(
        "The vendor requires Auto Enrollment disabled for Drop Ship: left enabled, Windows "
        "auto-enrollment competes with the Provisioning Agent's enrollment and devices can end "
        "up enrolled without the Drop Ship assignments. High because it silently affects every "
        "device and no endpoint shows the setting."
    ),
    remediation=steps(
        f"Open {PATH_AUTO_ENROLLMENT} at the Drop Ship organization group.",
        "Disable Auto Enrollment and save.",
        "Record an attestation (check auto_enrollment_disabled, value true) with a screenshot.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("auto_enrollment",),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Settled by an attestation (direct, or of the setting itself); manual without one."""
    return decide_with_inverted_alias(ctx, META, "Auto Enrollment disabled", inverted=META.settings)


CHECK = Check(META, evaluate)
