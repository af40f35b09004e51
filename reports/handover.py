"""``handover.pdf`` and ``handover.html``: the seed's Step 6 checklist for the manufacturer.

UPN, username, Organization Group UUID (from the API, ``tenant.organization_group.uuid``),
the tags, and the tenant's enrolment facts. The password line is fixed text, "Handed over
separately — never printed": no template variable carries a password, whatever the results
or the config hold. A value the run did not record is flagged, never left blank.

A value the audit found wrong is flagged on its own row (a banner alone is easy to miss
when the sheet is forwarded): a tag the ``dropship_tag`` check did not find in the OG, the
UUID of an OG that is not of type Customer (``dropship_customer_og``), and a username that
differs from the one the API's Drop Ship staging settings hold (``dropship.from_api``,
compared trimmed and case-insensitively). When the API's username is known, the sheet
hands over that one and names the config's. A value a check could not verify (it
errored) is marked so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.fileio import write_atomic
from reports import context, templating
from reports import text as t
from reports.base import RenderOptions
from reports.pdfwriter import html_to_pdf, parse_created
from reports.text import HTML_LIMITS

PDF_NAME = "handover.pdf"
HTML_NAME = "handover.html"
PASSWORD_LINE = "Handed over separately — never printed"
STAGING = "Staging & Provisioning"


def _css() -> str:
    return templating.static_text("base.css") + templating.static_text("handover.css")


@dataclass
class Row:
    """One line of the checklist: values (each maybe flagged), where they come from, and a
    flag for the row as a whole. ``flags`` say the audit found the value wrong; ``notes``
    that it could not verify it."""

    label: str
    values: list[tuple[str, str | None]]
    source: str
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags) or any(flag for _, flag in self.values)


def _fold(value: Any) -> str:
    return str(value or "").strip().casefold()


def _check(results: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next((c for c in results.get("checks") or [] if c.get("id") == check_id), {})


def _unverified(check: dict[str, Any], what: str) -> list[str]:
    if check.get("status") == "error":
        return [f"not verified: the {check.get('id')} check could not decide ({what})"]
    return []


def _missing_tags(results: dict[str, Any]) -> set[str]:
    """Tags (folded) the dropship_tag check's evidence shows as not found in the OG."""
    check = _check(results, "dropship_tag")
    ev = check.get("evidence") or {}
    columns = [str(c) for c in ev.get("columns") or []]
    if "Tag" not in columns or "Found in OG" not in columns:
        return set()
    tag, found = columns.index("Tag"), columns.index("Found in OG")
    return {
        _fold(row[tag])
        for row in ev.get("rows") or []
        if len(row) > max(tag, found) and row[found] is False
    }


def _tag_row(results: dict[str, Any], d: dict[str, Any]) -> Row:
    check = _check(results, "dropship_tag")
    missing = _missing_tags(results)
    values = [
        (
            tag,
            "not found in the organization group by the audit (dropship_tag): create it there, "
            "or give the manufacturer the tag that exists"
            if _fold(tag) in missing
            else None,
        )
        for tag in d["tags"]
    ]
    row = Row(
        "Tag" if len(d["tags"]) == 1 else "Tags",
        values,
        "Groups & Settings › All Settings › Devices & Users › Advanced › Tags",
        notes=_unverified(check, "tags"),
    )
    if check.get("status") == "fail" and not any(flag for _, flag in values) and values:
        row.flags.append(f"the dropship_tag check failed: {t.clip(check.get('summary'), 300)}")
    return row


def _og_row(results: dict[str, Any], d: dict[str, Any]) -> Row:
    check = _check(results, "dropship_customer_og")
    row = Row(
        "Organization Group UUID",
        [(d["og_uuid"], None)] if d["og_uuid"] else [],
        f"API: organization group {d['group_id'] or '?'}",
        notes=_unverified(check, "OG type"),
    )
    if d["og_uuid"] and d["og_type"] and _fold(d["og_type"]) != "customer":
        row.flags.append(
            f"not a Customer OG: this is the UUID of a {d['og_type']} OG, and Drop Ship needs the "
            "customer OG where autodiscovery is registered (dropship_customer_og)"
        )
    elif d["og_uuid"] and check.get("status") == "fail":
        row.flags.append(
            f"the dropship_customer_og check failed: {t.clip(check.get('summary'), 300)}"
        )
    return row


def _username_row(results: dict[str, Any], d: dict[str, Any]) -> Row:
    from_api = (results.get("dropship") or {}).get("from_api")
    api = from_api.get("username") if isinstance(from_api, dict) else None
    api_name = t.clip(api.strip(), 300) if isinstance(api, str) and api.strip() else None
    configured = d["username"]
    if api_name is None:
        return Row(
            "Username",
            [(configured, None)] if configured else [],
            f"{STAGING} (config [dropship] username)",
        )
    row = Row("Username", [(api_name, None)], f"{STAGING} (API)")
    if configured and _fold(configured) != _fold(api_name):
        row.flags.append(
            f"the config's [dropship] username is {configured!r}, but the API's Drop Ship staging "
            "settings hold this one (given here): make the two agree before the handover"
        )
    if isinstance(from_api, dict) and from_api.get("enabled") is False:
        row.flags.append("the API reports Drop Ship staging as disabled in Staging & Provisioning")
    return row


def handover_rows(results: dict[str, Any]) -> list[Row]:
    """The checklist rows of ``results``, each with the flags the audit gives its values."""
    d = context.dropship_view(results)
    upn = Row("UPN", [(d["upn"], None)] if d["upn"] else [], f"{STAGING} (config [dropship] upn)")
    return [upn, _username_row(results, d), _og_row(results, d), _tag_row(results, d)]


def handover_html(results: dict[str, Any], *, interactive: bool) -> str:
    """The handover sheet as HTML (``interactive`` adds the CSP for the standalone file)."""
    view = context.build_report(results, HTML_LIMITS)
    d = view.dropship
    og = d["og_name"] or d["group_id"]
    items = handover_rows(results)
    facts = [
        ("Tenant", d["tenant_name"]),
        ("API host", d["api_host"]),
        ("UEM version", d["uem_version"]),
        (
            "Organization group",
            f"{og} ({d['group_id']}, {d['og_type'] or 'type unknown'})" if og else None,
        ),
        ("GroupId", d["group_id"]),
        ("Email domain (autodiscovery)", d["email_domain"]),
        ("Smart group(s)", ", ".join(d["smart_groups"]) or None),
    ]
    css = templating.Markup(_css())
    csp = (
        f"default-src 'none'; style-src {templating.csp_hash(str(css))}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    return templating.render(
        "handover.html.j2",
        interactive=interactive,
        css=css,
        csp=csp,
        d=d,
        items=items,
        flagged=sum(1 for row in items if row.flagged),
        facts=facts,
        run=view.run,
        organisation=view.organisation,
        ready=view.ready,
        fail_on=view.fail_on,
        blocking=view.blocking,
        running_head=f"Manufacturer handover · {view.running_head}",
    )


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``handover.pdf`` and ``handover.html`` into ``out_dir``."""
    created = parse_created((results.get("run") or {}).get("started_at"))
    pdf, _problems = html_to_pdf(handover_html(results, interactive=False), created=created)
    return [
        write_atomic(out_dir / PDF_NAME, pdf),
        write_atomic(out_dir / HTML_NAME, handover_html(results, interactive=True)),
    ]
