"""``handover.pdf`` and ``handover.html``: the seed's Step 6 checklist for the manufacturer.

UPN, username, Organization Group UUID (from the API, ``tenant.organization_group.uuid``),
the tags, and the tenant's enrolment facts. The password line is fixed text, "Handed over
separately — never printed": no template variable carries a password, whatever the results
or the config hold. A value the run did not record is flagged, never left blank.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.fileio import write_atomic
from reports import context, templating
from reports.base import RenderOptions
from reports.pdfwriter import html_to_pdf, parse_created

PDF_NAME = "handover.pdf"
HTML_NAME = "handover.html"
PASSWORD_LINE = "Handed over separately — never printed"
STAGING = "Staging & Provisioning"


def _css() -> str:
    return templating.static_text("base.css") + templating.static_text("handover.css")


def handover_html(results: dict[str, Any], *, interactive: bool) -> str:
    """The handover sheet as HTML (``interactive`` adds the CSP for the standalone file)."""
    view = context.build_report(results, context.HTML_LIMITS)
    d = view.dropship
    og = d["og_name"] or d["group_id"]
    items = [
        ("UPN", d["upn"], f"{STAGING} (config [dropship] upn)"),
        ("Username", d["username"], f"{STAGING} (config [dropship] username)"),
        (
            "Organization Group UUID",
            d["og_uuid"],
            f"API: organization group {d['group_id'] or '?'}",
        ),
        (
            "Tag" if len(d["tags"]) == 1 else "Tags",
            d["tags"],
            "Groups & Settings › All Settings › Devices & Users › Advanced › Tags",
        ),
    ]
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
