"""hub_version: every Windows device in scope runs Intelligent Hub 20.10 or later.

Evidence: the ``devices`` frame (``GET /api/mdm/devices/search`` for the Drop Ship OG's
subtree), whose ``hub_version`` the inventory builder took from the Hub's app-centric device
lists (``GET /api/mam/apps/internal/devices``, ``/api/mam/apps/{uuid}/devices``) where the
Hub is a catalogue app, else from the device's own app search
(``GET /api/mdm/devices/{deviceUuid}/apps/search``, or ``/api/mdm/devices/{id}/apps``); the
"Read from" column names the endpoint of each device's version, and the verdict does not
depend on it. Versions are compared numerically with ``requirements.min_hub_version``. With no Windows device in
scope (a tenant before its first rollout), an attestation of the Hub version the console
deploys decides. Attestation names: ``hub_version``, alias ``intelligent_hub_version``.

Relies on (unconfirmed in UEM_API.md): how the Hub is named in a device's app inventory
(matched on "Intelligent Hub" / "AirWatch Agent"); the device search's scope (decided from
the OG tree by the builder). A device inventory cut short by the request budget gives
``warn`` with how many devices were read; devices whose inventory shows no Hub give
``warn`` listing them; a device below the minimum is ``fail`` even when the read was partial.
"""

from __future__ import annotations

from typing import Any

from audit.inventory import FRAME_SOURCES
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from audit.versions import format_version, parse_version, version_at_least
from checks._common import (
    PATH_HUB_APP,
    REF_DSP_ONLINE,
    ShapeError,
    error,
    flag,
    gap_evidence,
    gap_outcome,
    gaps,
    guarded,
    is_missing,
    key,
    permission_outcome,
    records,
    steps,
    text,
)

SOURCE = FRAME_SOURCES["devices"]
COLUMNS = ["Device", "Serial", "Hub app", "Hub version", "Read from", "Finding"]
#: The per-device reads, and the app-centric lists (a failed list is read per device).
PER_DEVICE = ("device_apps", "device_app_search")
LISTS = ("hub_app_search", "hub_devices", "hub_app_devices")

META = CheckMeta(
    id="hub_version",
    title="Intelligent Hub for Windows is 20.10 or later on every device in scope",
    severity="high",
    requirement="Use the Workspace ONE Intelligent Hub for Windows 20.10 or later.",
    rationale=(
        "The Provisioning Agent hands over to the Intelligent Hub; Hub releases before 20.10 do "
        "not support Drop Ship Provisioning (Online), so devices fail to finish provisioning and "
        "arrive without their apps and profiles. High because every device is affected."
    ),
    remediation=steps(
        f"Open {PATH_HUB_APP} at the Drop Ship organization group and make sure the Hub version "
        "delivered to Windows devices is 20.10 or later.",
        "Enable Intelligent Hub Automatic Updates on the same page so that devices keep updating "
        "the Hub.",
        "For the devices listed in the evidence, update the Hub (or re-stage them) and let them "
        "check in; re-run the audit.",
    ),
    references=(REF_DSP_ONLINE,),
    settings=("intelligent_hub_version",),
)


def _row(device: dict[str, Any], finding: str) -> list[Any]:
    return [
        text(device.get("name")) or text(device.get("id")),
        text(device.get("serial")),
        text(device.get("hub_app_name")),
        text(device.get("hub_version")),
        text(device.get("hub_source")),
        finding,
    ]


@guarded(SOURCE)
def evaluate(ctx: CheckContext) -> Outcome:
    """Judge each device's Hub version; fall back to an attestation when there are none."""
    inv = ctx.inventory
    minimum = ctx.requirements.get("min_hub_version", "20.10")
    if parse_version(minimum) is None:
        return error(
            f"The configured min_hub_version {minimum!r} is not a version.",
            "bad requirement",
            f"min_hub_version = {minimum!r}",
            "config [requirements]",
        )
    need = format_version(parse_version(minimum) or ())
    devices = records(inv, "devices")
    listed, read_count = inv.devices_listed, inv.devices_inventoried
    if not isinstance(listed, int) or not isinstance(read_count, int):
        raise ShapeError(
            f"device counts are not integers: listed={listed!r}, inventoried={read_count!r}"
        )
    listed = max(listed, len(devices))
    reasons = {str(g.purpose).split(":", 1)[-1]: g.reason for g in gaps(inv, *PER_DEVICE)}

    below: list[list[Any]] = []
    unknown: list[list[Any]] = []
    unread: list[list[Any]] = []
    good: list[list[Any]] = []
    for d in devices:
        version = d.get("hub_version")
        if flag(d.get("inventory_read"), "devices.inventory_read") is False:
            reason = reasons.get(key(d.get("id")) or "", "not read")
            unread.append(_row(d, f"app inventory not read: {reason}"))
        elif is_missing(version) or (isinstance(version, str) and not version.strip()):
            unknown.append(_row(d, "no Intelligent Hub in the app inventory"))
        elif not isinstance(version, str):
            raise ShapeError(
                f"devices.hub_version is {type(version).__name__} {version!r:.60}, not text"
            )
        else:
            ok = version_at_least(version, minimum)
            if ok is None:
                unknown.append(_row(d, f"Hub version {version!r} unreadable"))
            else:
                (good if ok else below).append(
                    _row(d, f"at least {need}" if ok else f"below {need}")
                )

    partial = bool(unread) or read_count < listed
    if below:
        note = f" (Hub versions read for {read_count} of {listed} devices)" if partial else ""
        return Outcome(
            "fail",
            f"{len(below)} of {len(devices)} Windows devices run an Intelligent Hub older than "
            f"{need}{note}.",
            Evidence(COLUMNS, below, SOURCE),
        )
    list_gap = gap_outcome(inv, "devices", what="the Windows devices in scope")
    if list_gap is not None:
        return list_gap
    failed = [g for g in gaps(inv, *PER_DEVICE, *LISTS) if not _budget_cut(g)]
    if partial and failed:
        # Inventories the API refused or garbled: the check cannot decide (a budget cut,
        # by contrast, is a known, chosen limit and stays a warn below).
        denied = [g for g in failed if g.kind == "permission"]
        if denied:
            return permission_outcome(denied, failed)
        first = failed[0]
        status = f" (HTTP {first.status})" if first.status else ""
        return Outcome(
            "error",
            f"Hub versions were read for {read_count} of {listed} Windows devices: "
            f"{len(failed)} request(s) failed, first {first.endpoint}{status}: {first.reason}; "
            f"none of those read is below {need}.",
            gap_evidence(failed),
        )
    if partial:
        return Outcome(
            "warn",
            f"Hub versions were read for {read_count} of {listed} Windows devices (the device "
            "inventory was cut short, e.g. by the request budget); none of those read is below "
            f"{need}.",
            Evidence(COLUMNS, unread, SOURCE),
        )
    if unknown:
        return Outcome(
            "warn",
            f"{len(unknown)} of {len(devices)} Windows devices show no readable Intelligent Hub "
            "version in their app inventory.",
            Evidence(COLUMNS, unknown, SOURCE),
        )
    if not devices:
        setting = (
            f"Intelligent Hub for Windows {need} or later delivered by the console ({PATH_HUB_APP})"
        )

        def manual() -> Outcome:
            return Outcome(
                "manual",
                "No Windows device is enrolled in scope yet, so no Hub version can be read; "
                "confirm the Hub version the console delivers and record an attestation.",
                Evidence(
                    ["Windows devices in scope", "Where to confirm"], [[0, PATH_HUB_APP]], SOURCE
                ),
            )

        return decide_by_attestation(ctx, META, setting, names=META.settings, otherwise=manual)
    return Outcome(
        "pass",
        f"All {len(devices)} Windows devices in scope run Intelligent Hub {need} or later.",
        Evidence(COLUMNS, good, SOURCE),
    )


def _budget_cut(gap: Any) -> bool:
    """Whether a gap is a chosen limit (request budget, quota reserve), not a failure."""
    reason = str(gap.reason).lower()
    return gap.kind == "budget" or "budget" in reason or "quota" in reason


CHECK = Check(META, evaluate)
