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

from dataclasses import dataclass, field
from typing import Any

from audit.inventory import FRAME_SOURCES, Gap, Inventory
from audit.inventory_rows import Device, ShapeError, rows
from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from audit.versions import format_version, parse_version, version_at_least
from checks._common import (
    PATH_HUB_APP,
    REF_DSP_ONLINE,
    error,
    gap_evidence,
    gap_outcome,
    gaps,
    permission_outcome,
    steps,
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


def _row(d: Device, finding: str) -> list[Any]:
    return [d.name or (d.id or ""), d.serial, d.hub_app_name, d.hub_version, d.hub_source, finding]


@dataclass
class Sorted:
    """The devices by finding: below the minimum, Hub unknown, inventory unread, good."""

    below: list[list[Any]] = field(default_factory=list)
    unknown: list[list[Any]] = field(default_factory=list)
    unread: list[list[Any]] = field(default_factory=list)
    good: list[list[Any]] = field(default_factory=list)


def _sort(inv: Inventory, devices: list[Device], minimum: str, need: str) -> Sorted:
    reasons = {str(g.purpose).split(":", 1)[-1]: g.reason for g in gaps(inv, *PER_DEVICE)}
    out = Sorted()
    for d in devices:
        if d.inventory_read is False:
            reason = reasons.get(d.id or "", "not read")
            out.unread.append(_row(d, f"app inventory not read: {reason}"))
        elif not d.hub_version.strip():
            out.unknown.append(_row(d, "no Intelligent Hub in the app inventory"))
        elif (ok := version_at_least(d.hub_version, minimum)) is None:
            out.unknown.append(_row(d, f"Hub version {d.hub_version!r} unreadable"))
        elif ok:
            out.good.append(_row(d, f"at least {need}"))
        else:
            out.below.append(_row(d, f"below {need}"))
    return out


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
    devices = rows(inv, Device)
    listed, read_count = inv.devices_listed, inv.devices_inventoried
    if not isinstance(listed, int) or not isinstance(read_count, int):
        raise ShapeError(
            f"device counts are not integers: listed={listed!r}, inventoried={read_count!r}"
        )
    listed = max(listed, len(devices))
    found = _sort(inv, devices, minimum, need)
    partial = bool(found.unread) or read_count < listed
    if found.below:
        note = f" (Hub versions read for {read_count} of {listed} devices)" if partial else ""
        return Outcome(
            "fail",
            f"{len(found.below)} of {len(devices)} Windows devices run an Intelligent Hub older "
            f"than {need}{note}.",
            Evidence(COLUMNS, found.below, SOURCE),
        )
    list_gap = gap_outcome(inv, "devices", what="the Windows devices in scope")
    if list_gap is not None:
        return list_gap
    failed = [g for g in gaps(inv, *PER_DEVICE, *LISTS) if not _budget_cut(g)]
    if partial:
        return _partial(failed, found, read_count, listed, need)
    if found.unknown:
        return Outcome(
            "warn",
            f"{len(found.unknown)} of {len(devices)} Windows devices show no readable "
            "Intelligent Hub version in their app inventory.",
            Evidence(COLUMNS, found.unknown, SOURCE),
        )
    if not devices:
        return _no_devices(ctx, need)
    return Outcome(
        "pass",
        f"All {len(devices)} Windows devices in scope run Intelligent Hub {need} or later.",
        Evidence(COLUMNS, found.good, SOURCE),
    )


def _partial(failed: list[Gap], found: Sorted, read_count: int, listed: int, need: str) -> Outcome:
    """Some inventories unread: ``error`` when the API refused or garbled them (the check
    cannot decide), ``warn`` when a budget cut them short (a known, chosen limit)."""
    if failed:
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
    return Outcome(
        "warn",
        f"Hub versions were read for {read_count} of {listed} Windows devices (the device "
        "inventory was cut short, e.g. by the request budget); none of those read is below "
        f"{need}.",
        Evidence(COLUMNS, found.unread, SOURCE),
    )


def _no_devices(ctx: CheckContext, need: str) -> Outcome:
    """No Windows device in scope: an attestation of the console's Hub decides, else manual."""
    setting = (
        f"Intelligent Hub for Windows {need} or later delivered by the console ({PATH_HUB_APP})"
    )

    def manual() -> Outcome:
        return Outcome(
            "manual",
            "No Windows device is enrolled in scope yet, so no Hub version can be read; "
            "confirm the Hub version the console delivers and record an attestation.",
            Evidence(["Windows devices in scope", "Where to confirm"], [[0, PATH_HUB_APP]], SOURCE),
        )

    return decide_by_attestation(ctx, META, setting, names=META.settings, otherwise=manual)


def _budget_cut(gap: Gap) -> bool:
    """Whether a gap is a chosen limit (request budget, quota reserve), not a failure."""
    reason = str(gap.reason).lower()
    return gap.kind == "budget" or "budget" in reason or "quota" in reason


CHECK = Check(META, evaluate)
