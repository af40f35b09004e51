"""device_staging: devices are staged with the generic PPKG, an unattend.xml and Sysprep.

Evidence: an attestation only; staging happens at the manufacturer and leaves nothing the
UEM API shows. Attestation names: ``device_staging``, alias ``generic_ppkg_staging``
(value true: the manufacturer stages every device this way). Without one: ``manual``.
"""

from __future__ import annotations

from audit.plugin import Check, CheckContext, CheckMeta, Outcome, decide_by_attestation
from checks._common import PATH_STAGING, REF_DSP_ONLINE, manual, steps

SETTING = "staging with the generic PPKG, unattend.xml and Sysprep"

META = CheckMeta(
    id="device_staging",
    title="Devices are staged with the generic PPKG, unattend.xml and Sysprep",
    severity="medium",
    requirement=(
        "Stage all devices with the Generic PPKG file, an answer file (unattend.xml), and run "
        "Sysprep."
    ),
    rationale=(
        "The Provisioning Agent is installed by the generic provisioning package and started by "
        "the answer file after Sysprep; a device staged any other way never contacts the OEM "
        "Provisioning Service and arrives unprovisioned. Medium: it is the manufacturer's step, "
        "confirmed by statement rather than by the tenant."
    ),
    remediation=steps(
        "Confirm with the manufacturer that every device is staged with the generic PPKG and "
        f"unattend.xml and sealed with Sysprep, using the values from {PATH_STAGING}.",
        "Ask for the staging order or build record and keep it as evidence.",
        "Record an attestation (check device_staging, value true) pointing to that evidence.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("generic_ppkg_staging",),
)


def evaluate(ctx: CheckContext) -> Outcome:
    """Settled by an attestation; manual without one."""
    return decide_by_attestation(
        ctx,
        META,
        SETTING,
        names=META.settings,
        otherwise=lambda: manual(META, SETTING, "No API shows how the manufacturer stages devices"),
    )


CHECK = Check(META, evaluate)
