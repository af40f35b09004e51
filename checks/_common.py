"""Helpers shared by the built-in checks (not a check: the registry skips ``_`` modules).

Conventions every built-in check follows:

- **Gaps.** When data a check needs could not be collected (``inventory.gaps_for``), the
  check returns ``error`` with the endpoint, HTTP status and reason of each gap
  (:func:`gap_outcome`). A violation already visible in the data that *was* read is still
  reported as ``fail`` (a finding must never hide behind an incomplete read); the summary
  then says the read was incomplete.
- **Shapes.** Frames are read as typed rows (``audit.inventory_rows.rows``), whose cells
  were coerced once; a cell no row can hold raises ``ShapeError`` there, and the runner's
  guard makes it the check's ``error`` (a check never catches it itself).
- **Evidence.** Every table names its ``source`` (an endpoint of the catalogue,
  ``audit/uem/catalogue.py``, through ``FRAME_SOURCES`` or :func:`source`; the config; or
  "attestation"); cells are JSON scalars (text, booleans, integers, None).
- **Permissions.** A gap of kind ``permission`` (a 403 on that endpoint) makes the
  ``error`` say which permission the API account's admin role lacks, and its remediation
  how to grant it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.inventory import Gap, Inventory
from audit.inventory_rows import Key, ShapeError, SmartGroup, as_list, fold, is_missing, rows
from audit.plugin import (
    CheckContext,
    CheckMeta,
    Evidence,
    Outcome,
    attestation_evidence,
    attestation_record,
    decide_by_attestation,
)
from audit.uem import catalogue
from audit.uem.catalogue import sources as source

# -- endpoints that are not frames ---------------------------------------------------------

SYSTEM_INFO = source("system_info")
OG_SEARCH = source("og_search")
DISCOVERY = source("discovery")

# -- vendor documentation (docs.vmware.com pages now redirect to docs.omnissa.com) ----------

REF_DSP_ONLINE = "https://docs.vmware.com/en/VMware-Workspace-ONE-UEM/2302/Provisioning_WorkspaceONE/GUID-D3DE5A3A-642B-48C4-8230-15D8CF83DCE6.html"
REF_SOFTWARE_DISTRIBUTION = "https://docs.vmware.com/en/VMware-Workspace-ONE-UEM/2212/Software_Distribution/GUID-AWT-WIN32-UPLOAD.html"
REF_WIN32_INSTALL_BEHAVIOR = "https://docs.vmware.com/en/VMware-Workspace-ONE-UEM/2212/Software_Distribution/GUID-AWT-WIN32-APPLICATIONINSTALLATIONBEHAVIOR.html"
REF_AUTODISCOVERY = "https://docs.vmware.com/en/VMware-Workspace-ONE-UEM/services/Android_Platform/GUID-AndroidEnrollmentAUTODISCOVERYENROLLMENT.html"
REF_ENROLLMENT_SETTINGS = "https://docs.vmware.com/en/VMware-Workspace-ONE-UEM/services/System_Settings_On_Prem/GUID-AWT-DEVICESUSERS-GENERAL-ENROLL.html"
REF_ACCOUNTS_CSP = "https://learn.microsoft.com/en-us/windows/client-management/mdm/accounts-csp"
REF_SAAS_HOSTS = "https://learn.microsoft.com/en-us/entra/identity/saas-apps/airwatch-tutorial"

# -- console paths, verbatim from the vendor's requirements ---------------------------------

PATH_STAGING = (
    "Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > Staging & "
    "Provisioning"
)
PATH_HUB_APP = (
    "Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > "
    "Intelligent Hub Application"
)
PATH_AUTO_ENROLLMENT = (
    "Groups & Settings > All Settings > Device & Users > Windows > Windows Desktop > Auto "
    "Enrollment"
)
PATH_AUTHENTICATION = (
    "Groups & Settings > All Settings > Devices & Users > General > Enrollment > Authentication"
)
PATH_TAGS = "Groups & Settings > All Settings > Devices & Users > Advanced > Tags"
PATH_SMART_GROUPS = "Groups & Settings > Groups > Assignment Groups"
PATH_ENROLLMENT_STATUS = "Devices > Lifecycle > Enrollment Status"
PATH_INTERNAL_APPS = "Resources > Apps > Native > Internal"


def steps(*texts: str) -> tuple[str, ...]:
    """Remediation steps numbered "1. ...", "2. ..." in order."""
    return tuple(f"{i}. {t}" for i, t in enumerate(texts, start=1))


# -- configuration --------------------------------------------------------------------------


def dropship(ctx: CheckContext) -> dict[str, Any]:
    """The [dropship] settings: the run's config, else those copied into the snapshot."""
    if ctx.dropship:
        return dict(ctx.dropship)
    stored = getattr(ctx.inventory, "dropship_config", None)
    return dict(stored) if isinstance(stored, Mapping) else {}


def configured_tags(ctx: CheckContext) -> list[str]:
    """The tags given to the manufacturer, as configured (blank entries dropped)."""
    tags = as_list(dropship(ctx).get("tags"), "dropship.tags")
    return [str(t).strip() for t in tags if not is_missing(t) and str(t).strip()]


# -- gaps, errors -----------------------------------------------------------------------------


#: What each purpose's data depends on being read first: the catalogue's ``depends``,
#: transitively (nothing is collected in the Drop Ship OG when the OG search failed, app
#: and profile details are only fetched for items assigned to a Drop Ship smart group, so
#: they depend on the tags and smart groups that identify it, device inventories on the
#: device list). A gap in an upstream purpose is a gap of every purpose below it: a check
#: must not report "none found" for data that was never asked for.
UPSTREAM: dict[str, tuple[str, ...]] = {
    e.purpose: tuple(sorted(catalogue.upstream(e.purpose) - {e.purpose})) for e in catalogue.ENTRIES
}


def gaps(inv: Inventory, *purposes: str) -> list[Gap]:
    """Gaps whose purpose is one of ``purposes``, a per-item form of it ("app_detail:12"),
    or a purpose it depends on (:data:`UPSTREAM`)."""
    found = getattr(inv, "gaps", None)
    if not isinstance(found, list):
        raise ShapeError(f"inventory.gaps is {type(found).__name__}, not a list")
    wanted = set(purposes)
    for p in purposes:
        wanted.update(UPSTREAM.get(p, ()))
    return [
        g
        for g in found
        if any(g.purpose == p or str(g.purpose).startswith(p + ":") for p in wanted)
    ]


def gap_evidence(found: Iterable[Gap]) -> Evidence:
    """The table of gaps: what could not be read, where, and why."""
    found = list(found)
    return Evidence(
        columns=["Purpose", "Endpoint", "HTTP status", "Reason"],
        rows=[[g.purpose, g.endpoint, g.status, g.reason] for g in found],
        source=", ".join(dict.fromkeys(g.endpoint for g in found)),
    )


def gap_outcome(inv: Inventory, *purposes: str, what: str) -> Outcome | None:
    """``error`` naming the gaps among ``purposes``, or None when all was read."""
    found = gaps(inv, *purposes)
    if not found:
        return None
    denied = [g for g in found if g.kind == "permission"]
    if denied:
        return permission_outcome(denied, found)
    first = found[0]
    status = f" (HTTP {first.status})" if first.status else ""
    more = f" and {len(found) - 1} more request(s)" if len(found) > 1 else ""
    return Outcome(
        "error",
        f"Could not read {what}: {first.endpoint}{status} failed: {first.reason}{more}.",
        gap_evidence(found),
    )


def permission_outcome(denied: list[Gap], found: list[Gap]) -> Outcome:
    """``error``: the API account lacks permission (HTTP 403) to read what the check needs;
    the remediation names the admin role permission(s) to grant."""
    first = denied[0]
    reason = first.reason.split("; grant", 1)[0]
    permissions = list(
        dict.fromkeys(
            e.permission for g in denied if (e := catalogue.find(g.purpose)) and e.permission
        )
    )
    grant = " and ".join(permissions) or "read access to the endpoint in the evidence"
    more = f" ({len(found) - 1} more request(s) not read)" if len(found) > 1 else ""
    return Outcome(
        "error",
        f"{reason[:1].upper()}{reason[1:]}{more}.",
        gap_evidence(found),
        remediation=steps(
            f"Open {catalogue.ROLE_EDITOR}, edit the role of the API account the audit uses and, "
            f"under API > REST, grant {grant}.",
            "Save the role, then re-run the audit.",
        ),
    )


def error(summary: str, problem: str, detail: str, source: str) -> Outcome:
    """An ``error`` outcome for data the check cannot read."""
    return Outcome("error", summary, Evidence(["Problem", "Detail"], [[problem, detail]], source))


# -- attestations ---------------------------------------------------------------------------


def decide_with_inverted_alias(
    ctx: CheckContext,
    meta: CheckMeta,
    setting: str,
    *,
    names: Iterable[str] = (),
    inverted: Iterable[str] = (),
    otherwise: Callable[[], Outcome] | None = None,
) -> Outcome:
    """Like :func:`decide_by_attestation`, also accepting attestations of the opposite setting.

    An attestation named in ``inverted`` states the value of the console setting itself
    (e.g. ``auto_enrollment = false`` means the setting is off), so for a check that wants
    the setting off, false passes and true fails. Stale rules are those of
    ``decide_by_attestation``: a stale non-compliant statement still fails.
    """
    names, inverted = tuple(names), tuple(inverted)
    direct, alias = (
        ctx.attestation(meta.id, *names),
        ctx.attestation(*inverted) if inverted else None,
    )
    if alias is None or (direct is not None and direct.date >= alias.date):
        return decide_by_attestation(ctx, meta, setting, names=names, otherwise=otherwise)
    record = attestation_record(alias, ctx)
    evidence = attestation_evidence(record, f"{alias.check} (the console setting's own value)")
    who = f"{alias.by} on {alias.date.isoformat()}"
    state = "enabled" if alias.value else "disabled"
    if alias.value:
        return Outcome(
            "fail",
            f"Attested by {who}: {alias.check} is {state}, so {setting} is not in place.",
            evidence,
            record,
        )
    if record["stale"]:
        return Outcome(
            "warn",
            f"Attestation by {who} is {record['age_days']} days old (limit "
            f"{record['max_age_days']}); renew it.",
            evidence,
            record,
        )
    note = f" ({record['evidence_problem']})" if record["evidence_problem"] else ""
    return Outcome(
        "pass",
        f"Attested by {who}: {alias.check} is {state}, so {setting} is in place{note}.",
        evidence,
        record,
    )


# -- Drop Ship smart groups -----------------------------------------------------------------


@dataclass
class DropShipGroups:
    """The Drop Ship smart groups, matched by id (or uuid), else by name."""

    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ids or self.names)

    def matches(self, sg_id: Key, sg_name: str) -> bool:
        """True when the reference names a Drop Ship smart group."""
        if sg_id is not None:
            return sg_id in self.ids
        return bool(fold(sg_name)) and fold(sg_name) in self.names

    def label(self, sg_id: Key, sg_name: str) -> str:
        """A display name for a smart group reference."""
        name = sg_name or self.labels.get(sg_id or "", "")
        return f"{name} ({sg_id})" if name and sg_id else name or sg_id or ""

    def describe(self) -> str:
        """The groups' names for a summary."""
        return ", ".join(sorted(set(self.labels.values()))) or "none"


def dropship_groups(inv: Inventory) -> DropShipGroups:
    """The Drop Ship smart groups of the inventory (``is_dropship``)."""
    groups = DropShipGroups()
    for sg in rows(inv, SmartGroup):
        if not sg.is_dropship:
            continue
        for ident in (sg.id, sg.uuid):
            if ident:
                groups.ids.add(ident)
                groups.labels[ident] = sg.name or ident
        if sg.name:
            groups.names.add(sg.name.casefold())
    return groups


def manual(meta: CheckMeta, setting: str, why: str, source: str = "none") -> Outcome:
    """``manual``: say why no automated evidence decided, and where a person confirms it."""
    return Outcome(
        "manual",
        f"{why}; confirm {setting} and record an attestation.",
        Evidence(["Setting", "Where to confirm"], [[setting, meta.remediation[0]]], source),
    )
