"""Results fixtures for the renderer tests: the static files in tests/data and a large one.

``python tests/reports_fixtures.py`` regenerates ``tests/data/results_{ready,not_ready,
scripts}.json`` from the builders below. ``large_results(n)`` builds, in memory, a
not-ready results dict whose ``devices_registered`` check carries ``n`` evidence rows (the
shape a 50,000-device tenant gives); it is not stored because it is big.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
DOCS = "https://docs.omnissa.com/bundle/WindowsDesktopDeviceManagementVSaaS/page/"
DSP_DOC = DOCS + "DropShipProvisioningOnline.html"
STAGING = (
    "Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop"
    " > Staging & Provisioning"
)

#: id, title, severity, requirement, rationale, remediation, references.
CATALOGUE: list[tuple[str, str, str, str, str, list[str], list[str]]] = [
    (
        "uem_version",
        "Workspace ONE UEM console is 2105 or later",
        "critical",
        "Use Workspace ONE UEM 2105 or later.",
        "Drop Ship Provisioning (Online) needs features first shipped in UEM 2105.",
        [
            "1. Ask Omnissa support to schedule the upgrade of the environment to 2105 or later.",
            "2. After the upgrade, check Settings > Admin > About shows 21.5 or later.",
        ],
        [DSP_DOC],
    ),
    (
        "saas_tenant",
        "The tenant is a SaaS environment",
        "critical",
        "Workspace ONE Drop Ship Provisioning (Online) is supported for SaaS customers only.",
        "The OEM Provisioning Service only talks to SaaS tenants.",
        [
            "1. Use a SaaS tenant (API host *.awmdm.com) for Drop Ship Provisioning (Online).",
            "2. For on-premises, use Drop Ship Provisioning (Offline) instead.",
        ],
        [DSP_DOC],
    ),
    (
        "hub_version",
        "Intelligent Hub for Windows is 20.10 or later",
        "high",
        "Use the Workspace ONE Intelligent Hub for Windows 20.10 or later.",
        "Older Hub versions cannot complete the Drop Ship enrolment hand-off.",
        [
            "1. Go to Groups & Settings > All Settings > Devices & Users > Windows"
            " > Windows Desktop"
            " > Intelligent Hub Application.",
            "2. Select the latest Hub version and save.",
        ],
        [DSP_DOC],
    ),
    (
        "hub_auto_update",
        "Intelligent Hub Automatic Updates is enabled",
        "medium",
        "Configure Intelligent Hub to update automatically.",
        "Devices shipped months after staging must pick up a supported Hub.",
        [
            "1. Go to Groups & Settings > All Settings > Devices & Users > Windows"
            " > Windows Desktop"
            " > Intelligent Hub Application.",
            "2. Enable Intelligent Hub Automatic Updates and save.",
        ],
        [DSP_DOC],
    ),
    (
        "software_distribution",
        "Software Distribution is configured in the Drop Ship OG",
        "high",
        "Configure Software Distribution in the organization group where the Drop Ship settings"
        " reside.",
        "Win32 applications are delivered by Software Distribution during provisioning.",
        [
            "1. Select the Drop Ship organization group.",
            "2. Go to Groups & Settings > All Settings > Apps > Workspace ONE"
            " > Software Distribution and enable it.",
        ],
        [DSP_DOC],
    ),
    (
        "auto_enrollment_disabled",
        "Windows Desktop Auto Enrollment is disabled",
        "high",
        "Disable the Auto Enrollment setting.",
        "Auto Enrollment competes with the Provisioning Agent and breaks the Drop Ship flow.",
        [
            "1. Go to Groups & Settings > All Settings > Devices & Users > Windows"
            " > Windows Desktop"
            " > Auto Enrollment.",
            "2. Disable it and save.",
        ],
        [DSP_DOC],
    ),
    (
        "autodiscovery_domain",
        "An email domain is registered for autodiscovery at the customer OG",
        "critical",
        "Register an email domain for Autodiscovery Enrollment at the customer OG.",
        "Drop Ship devices find their tenant through the autodiscovery registration.",
        [
            "1. Select the customer organization group.",
            "2. Go to Groups & Settings > All Settings > Devices & Users > General > Enrollment"
            " > Authentication.",
            "3. Register the email domain for Autodiscovery and complete the verification.",
        ],
        [DOCS + "AutodiscoveryEnrollment.html"],
    ),
    (
        "dropship_customer_og",
        "Drop Ship is configured at the customer-type OG",
        "critical",
        "Enable Drop Ship Provisioning (Online) only at the customer OG where Autodiscovery is"
        " registered.",
        "Drop Ship devices enrol automatically into this OG.",
        [
            "1. Go to Groups & Settings > Groups > Organization Groups > Details.",
            "2. Configure Drop Ship at the OG whose type is Customer.",
        ],
        [DSP_DOC],
    ),
    (
        "dropship_enabled",
        "Drop Ship Provisioning is enabled in Staging & Provisioning",
        "critical",
        "Enable Workspace ONE Drop Ship Provisioning (Online) in the console.",
        "Without it the OEM Provisioning Service rejects registrations.",
        [
            "1. Select the Drop Ship organization group.",
            f"2. Go to {STAGING}.",
            "3. In the Workspace ONE Drop Ship Provisioning section select Enabled and save.",
        ],
        [DSP_DOC],
    ),
    (
        "dropship_tag",
        "The tag given to the manufacturer exists in the OG",
        "high",
        "Create a tag and give it to your manufacturer.",
        "The tag matches registered devices with their assignments.",
        [
            "1. Go to Groups & Settings > All Settings > Devices & Users > Advanced > Tags.",
            "2. Select Create Tag, enter the tag name and save.",
        ],
        [DSP_DOC],
    ),
    (
        "smart_group_tag_criteria",
        "A smart group selects devices by the Drop Ship tag",
        "high",
        "Create a smart group and assign the tag to it.",
        "Assignments reach Drop Ship devices through this smart group.",
        [
            "1. Go to Groups & Settings > Groups > Assignment Groups > Add Smart Group.",
            "2. Use the Criteria type, select the Tag section and enter the Drop Ship tag.",
            "3. Save the smart group.",
        ],
        [DSP_DOC],
    ),
    (
        "app_assignments_device_auto",
        "Every app assigned to the Drop Ship smart group is Device context and Automatic",
        "high",
        "Ensure app assignments are in the Device context and set to Automatic deployment.",
        "Drop Ship does not support On-Demand or User context applications.",
        [
            "1. Go to Resources > Apps > Native > Internal and open each listed app.",
            "2. Under Deployment Options > How To Install set Install Context to Device.",
            "3. Under Assign set App Delivery Method to Auto and save.",
        ],
        [DSP_DOC],
    ),
    (
        "login_experience",
        "A local account or domain join is assigned to the Drop Ship smart group",
        "high",
        "Configure the log in experience for end users.",
        "Without an account users cannot log in to the shipped device.",
        [
            "1. Go to Resources > Profiles & Baselines > Profiles > Add > Windows"
            " > Windows Desktop.",
            "2. Add a Custom Settings payload with the Accounts CSP, or a Domain Join payload.",
            "3. Assign it to the Drop Ship smart group.",
        ],
        [DSP_DOC],
    ),
    (
        "payloads_assigned",
        "Profiles and apps are assigned to the Drop Ship smart group",
        "medium",
        "Assign profiles and apps to the Drop Ship smart group.",
        "Devices are only provisioned with what is assigned to the smart group.",
        [
            "1. Go to Resources > Profiles & Baselines > Profiles and assign the profiles.",
            "2. Go to Resources > Apps and assign the apps.",
        ],
        [DSP_DOC],
    ),
    (
        "devices_registered",
        "Devices are registered with the tag and synced",
        "medium",
        "Register devices with the manufacturer and sync them.",
        "Unsynced registrations do not enrol.",
        ["1. Go to Devices > Lifecycle > Enrollment Status.", "2. Select Sync Devices > Windows."],
        [DSP_DOC],
    ),
    (
        "device_staging",
        "Devices are staged with the generic PPKG, unattend.xml and Sysprep",
        "medium",
        "Stage all devices with the Generic PPKG file, an answer file (unattend.xml), and Sysprep.",
        "A device staged otherwise will not run the Provisioning Agent.",
        [
            "1. Send the manufacturer the generic PPKG and unattend.xml.",
            "2. Ask for written confirmation that Sysprep was run.",
        ],
        [DSP_DOC],
    ),
]

#: Outcome per check for the not-ready scenario: status, summary, source.
NOT_READY: dict[str, tuple[str, str]] = {
    "uem_version": ("pass", "UEM console 23.10.0.5 is 2105 or later."),
    "saas_tenant": ("pass", "API host as1985.awmdm.com is a known SaaS domain."),
    "hub_version": ("fail", "3 of 40 Windows devices run Intelligent Hub older than 20.10."),
    "hub_auto_update": ("warn", "Attested enabled, but the attestation is 120 days old (max 90)."),
    "software_distribution": ("manual", "No attestation: confirm Software Distribution in the OG."),
    "auto_enrollment_disabled": ("fail", "Attested: Auto Enrollment is enabled."),
    "autodiscovery_domain": ("pass", "contoso.com is registered for autodiscovery at contoso."),
    "dropship_customer_og": ("pass", "OG contoso is of type Customer."),
    "dropship_enabled": ("pass", "Attested enabled on 2026-10-01 by J. Doe."),
    "dropship_tag": ("pass", "Tag RnD exists in OG contoso."),
    "smart_group_tag_criteria": ("pass", "Smart group Drop Ship RnD selects tag RnD."),
    "app_assignments_device_auto": (
        "fail",
        "2 of 9 apps assigned to Drop Ship RnD are not Device/Auto.",
    ),
    "login_experience": ("error", "Profile 205 payload could not be parsed: malformed SyncML."),
    "payloads_assigned": ("pass", "4 profiles and 9 apps are assigned to Drop Ship RnD."),
    "devices_registered": ("fail", "12 of 60 registered devices are not synced."),
    "device_staging": ("skipped", "Skipped: no devices ordered yet (not applicable)."),
}


def _evidence(cid: str, status: str) -> dict[str, Any]:
    """Evidence tables shaped like the checks' (endpoint and value seen per row)."""
    if cid == "uem_version":
        cols, rows, src = (
            ["Endpoint", "Field", "Value"],
            [["/api/system/info", "ProductVersion", "23.10.0.5"]],
            "/api/system/info",
        )
    elif cid == "saas_tenant":
        cols, rows, src = (
            ["API host", "Known SaaS domain"],
            [["as1985.awmdm.com", True]],
            "config tenant.api_url (the API host)",
        )
    elif cid == "hub_version":
        cols = ["Endpoint", "Device", "Serial", "Hub version", "Meets 20.10"]
        rows = [
            [
                f"/api/mdm/devices/{i}/apps",
                f"RND-{i:03d}",
                f"5CG{i:05d}",
                "20.4.0.1" if status != "pass" and i % 13 == 0 else "23.10.0.5",
                not (status != "pass" and i % 13 == 0),
            ]
            for i in range(1, 41)
        ]
        src = "/api/mdm/devices/{id}/apps"
    elif cid in ("hub_auto_update", "auto_enrollment_disabled", "dropship_enabled"):
        cols = ["Setting", "Attested value", "By", "Date", "Evidence", "SHA-256"]
        val = "false" if (cid == "auto_enrollment_disabled" and status == "fail") else "true"
        rows = [[cid, val, "J. Doe", "2026-10-01", "evidence/screenshot.png", "ab" * 32]]
        src = "attestation"
    elif cid in ("software_distribution", "device_staging"):
        cols, rows, src = [], [], ""
        if status == "manual":
            cols, src = ["Setting", "Where to confirm"], "none"
            rows = [
                [
                    "Software Distribution in the Drop Ship OG",
                    "1. Open Groups & Settings > All Settings > Apps > Workspace ONE > "
                    "Software Distribution at the Drop Ship OG.",
                ]
            ]
        if status == "pass":
            cols = ["Setting", "Attested value", "By", "Date", "Evidence", "SHA-256"]
            rows = [[cid, "true", "J. Doe", "2026-10-01", "https://intranet.example/ticket/42", ""]]
            src = "attestation"
    elif cid == "autodiscovery_domain":
        cols = ["Endpoint", "Domain", "GroupId seen", "Expected GroupId"]
        rows = [
            [
                "discovery.awmdm.com/autodiscovery/awcredentials.aws/v2/domainlookup/domain/"
                "contoso.com",
                "contoso.com",
                "contoso",
                "contoso",
            ]
        ]
        src = "discovery service"
    elif cid == "dropship_customer_og":
        cols = ["Endpoint", "GroupId", "Name", "LocationGroupType"]
        rows = [["/api/system/groups/search", "contoso", "Contoso", "Customer"]]
        src = "/api/system/groups/search"
    elif cid == "dropship_tag":
        cols, rows = (
            ["Endpoint", "Tag", "Tag id", "OG"],
            [["/api/mdm/tags/search", "RnD", 5, "contoso"]],
        )
        src = "/api/mdm/tags/search"
    elif cid == "smart_group_tag_criteria":
        cols = ["Endpoint", "Smart group", "Criteria type", "Tags in criteria"]
        rows = [["/api/mdm/smartgroups/12", "Drop Ship RnD", "Criteria", "RnD"]]
        src = "/api/mdm/smartgroups/{id}"
    elif cid == "app_assignments_device_auto":
        cols = ["Endpoint", "App", "Version", "Push mode", "Install context", "OK"]
        apps = [
            "7-Zip",
            "Notepad++",
            "VLC",
            "Chrome",
            "Zoom",
            "Teams",
            "Acrobat Reader",
            "Company Portal",
            "VPN client",
        ]
        rows = []
        for i, app in enumerate(apps):
            bad = status == "fail" and i in (3, 4)
            rows.append(
                [
                    f"/api/mam/apps/internal/{101 + i}",
                    app,
                    f"1.{i}.0",
                    "OnDemand" if bad and i == 3 else "Auto",
                    "User" if bad and i == 4 else "Device",
                    not bad,
                ]
            )
        src = "/api/mam/apps/internal/{id}"
    elif cid == "login_experience":
        cols = ["Endpoint", "Profile", "Payload", "Finding"]
        rows = [
            [
                "/api/mdm/profiles/201",
                "Local admin account",
                "CustomSettings",
                "Accounts CSP ./Device/Vendor/MSFT/Accounts/Users/dsadmin",
            ]
        ]
        if status == "error":
            rows.append(
                [
                    "/api/mdm/profiles/205",
                    "Broken profile",
                    "CustomSettings",
                    "ValueError: malformed SyncML at line 1",
                ]
            )
        src = "/api/mdm/profiles/{id}"
    elif cid == "payloads_assigned":
        cols = ["Endpoint", "Kind", "Name", "Smart group"]
        rows = [
            ["/api/mdm/profiles/search", "profile", n, "Drop Ship RnD"]
            for n in ("Local admin account", "Wi-Fi", "BitLocker", "Restrictions")
        ]
        rows += [["/api/mam/apps/search", "app", n, "Drop Ship RnD"] for n in ("7-Zip", "VLC")]
        src = "/api/mdm/profiles/search; /api/mam/apps/search"
    elif cid == "devices_registered":
        cols = ["Endpoint", "Serial", "Friendly name", "Model", "Tags", "Enrollment status"]
        rows = [
            [
                "/api/mdm/groups/{uuid}/enrollment-tokens",
                f"5CG{i:05d}",
                f"RND-{i:03d}",
                "EliteBook 840",
                "RnD",
                "Registered" if status != "pass" and i % 5 == 0 else "Synced",
            ]
            for i in range(1, 61)
        ]
        src = "/api/mdm/groups/{uuid}/enrollment-tokens"
    else:  # pragma: no cover - every id is handled above
        cols, rows, src = [], [], ""
    return {"columns": cols, "rows": rows, "total_rows": len(rows), "source": src}


def _attestation(cid: str, status: str) -> dict[str, Any] | None:
    attested = ("hub_auto_update", "auto_enrollment_disabled", "dropship_enabled")
    if cid in ("software_distribution", "device_staging") and status == "pass":
        return {
            "check": cid,
            "value": True,
            "by": "J. Doe",
            "date": "2026-10-01",
            "age_days": 54,
            "stale": False,
            "max_age_days": 90,
            "evidence": "https://intranet.example/ticket/42",
            "sha256": None,
            "evidence_problem": None,
            "note": None,
        }
    if cid not in attested:
        return None
    stale = status == "warn"
    return {
        "check": cid,
        "value": not (cid == "auto_enrollment_disabled" and status == "fail"),
        "by": "J. Doe",
        "date": "2026-07-27" if stale else "2026-10-01",
        "age_days": 120 if stale else 54,
        "stale": stale,
        "max_age_days": 90,
        "evidence": "evidence/screenshot.png",
        "sha256": "ab" * 32,
        "evidence_problem": None,
        "note": "Checked in the console with the customer's admin.",
    }


def build_results(scenario: str) -> dict[str, Any]:
    """A complete results dict for ``ready`` or ``not_ready``."""
    ready = scenario == "ready"
    checks = []
    for cid, title, sev, req, why, steps, refs in CATALOGUE:
        if ready:
            status, summary = (
                ("pass", NOT_READY[cid][1])
                if NOT_READY[cid][0] == "pass"
                else ("pass", f"{title}.")
            )
        else:
            status, summary = NOT_READY[cid]
        waiver = None
        if not ready and cid == "hub_version":
            waiver = {
                "justification": "Three lab devices are retired next month.",
                "owner": "it-ops@contoso.example",
                "expires": "2026-12-31",
                "expired": False,
                "active": True,
                "rows": [],
            }
        if not ready and cid == "devices_registered":
            waiver = {
                "justification": "Sync backlog accepted during the pilot.",
                "owner": "pilot-lead@contoso.example",
                "expires": "2026-10-31",
                "expired": True,
                "active": False,
                "rows": [],
            }
        blocking = (
            not ready
            and status in ("fail", "error", "manual")
            and sev in ("critical", "high", "medium")
            and not (waiver and waiver["active"])
        )
        checks.append(
            {
                "id": cid,
                "title": title,
                "severity": sev,
                "status": status,
                "summary": summary,
                "requirement": req,
                "rationale": why,
                "remediation": steps,
                "references": refs,
                "blocking": blocking,
                "evidence": _evidence(cid, status),
                "attestation": _attestation(cid, status),
                "waiver": waiver,
                "change": None if ready else _change(cid),
            }
        )
    counts = {
        s: sum(c["status"] == s for c in checks)
        for s in ("pass", "fail", "warn", "manual", "error", "skipped")
    }
    blocking_ids = [c["id"] for c in checks if c["blocking"]]
    return {
        "schema_version": 1,
        "tool": {"name": "ws1-audit", "version": "0.1.0", "catalogue_version": "3f1c9a0d2b7e"},
        "run": {
            "id": "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
            "started_at": "2026-11-23T09:15:02Z",
            "finished_at": "2026-11-23T09:16:40Z",
            "mode": "live",
            "command": [
                "ws1-audit",
                "run",
                "--config",
                "contoso.toml",
                "--out",
                "out",
                "--fail-on",
                "medium",
            ],
            "verify_tls": True,
            "warnings": []
            if ready
            else ["profile 205: payload could not be parsed (malformed SyncML)"],
        },
        "tenant": {
            "name": "Contoso Ltd",
            "api_host": "as1985.awmdm.com",
            "uem_version": "23.10.0.5",
            "organization_group": {
                "group_id": "contoso",
                "uuid": "0d6c2b1e-7a4f-4c55-9a8e-2f1b3c4d5e6f",
                "name": "Contoso",
                "type": "Customer",
            },
        },
        "dropship": {
            "organization_group": "contoso",
            "tags": ["RnD"],
            "smart_groups": ["Drop Ship RnD"],
            "email_domain": "contoso.com",
            "upn": "dropship@contoso.com",
            "username": "dropship.agent",
        },
        "report": {
            "organisation": "Contoso Ltd IT",
            "logo": None,
            "fail_on": "medium",
            "formats": ["html", "pdf", "json", "csv", "junit", "md", "handover"],
        },
        "snapshot": {
            "sha256": "9" * 64,
            "requests": 187,
            "gaps": []
            if ready
            else [
                {
                    "purpose": "device_apps:17",
                    "endpoint": "/api/mdm/devices/17/apps",
                    "reason": "HTTP 500 after 4 retries",
                    "status": 500,
                }
            ],
        },
        "summary": {
            "ready": not blocking_ids,
            "fail_on": "medium",
            "score": 100 if ready else 63,
            "counts": counts,
            "blocking": blocking_ids,
            "waived": [c["id"] for c in checks if c["waiver"] and c["waiver"]["active"]],
        },
        "baseline": None
        if ready
        else {
            "path": "out/previous/results.json",
            "run_id": "11111111-2222-4333-8444-555555555555",
            "started_at": "2026-11-16T09:00:00Z",
            "changes": {
                "new": ["login_experience"],
                "fixed": ["dropship_tag"],
                "regressed": ["auto_enrollment_disabled"],
                "unchanged": [c["id"] for c in checks if _change(c["id"]) == "unchanged"],
            },
            "evidence_drift": {
                "devices_registered": {
                    "added": [
                        [
                            "/api/mdm/groups/{uuid}/enrollment-tokens",
                            "5CG00061",
                            "RND-061",
                            "EliteBook 840",
                            "RnD",
                            "Synced",
                        ]
                    ],
                    "removed": [],
                }
            },
        },
        "checks": checks,
    }


def _change(cid: str) -> str:
    return {
        "login_experience": "new",
        "dropship_tag": "fixed",
        "auto_enrollment_disabled": "regressed",
    }.get(cid, "unchanged")


#: One sample per script; each must come out of the PDF's text layer.
SCRIPT_SAMPLES = {
    "latin": "Société Générale Überprüfung",
    "cyrillic": "Московский филиал",
    "greek": "Ελληνική Εταιρεία",
    "arabic": "شركة الاتصالات",
    "hebrew": "חברת התקשורת",
    "cjk": "東京支社 株式会社 서울",
}

HOSTILE = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    "</style><script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script><!--",
    "javascript:window.__pwned=1",
    "=CMD()|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "pipe | and *stars* and [link](http://evil.example) and `code`",
    "RTL \u202eoverride\u202c text",
    "{{ 7*7 }} {% raw %}",
]


def build_scripts() -> dict[str, Any]:
    """Tenant strings in six scripts plus hostile strings in every free-text field."""
    res = build_results("not_ready")
    s = SCRIPT_SAMPLES
    res["tenant"]["name"] = f"{s['latin']} / {s['cyrillic']} <script>window.__pwned=1</script>"
    res["tenant"]["organization_group"]["name"] = f"{s['greek']} {s['hebrew']}"
    res["report"]["organisation"] = f"{s['arabic']} & {s['cjk']}"
    res["dropship"]["tags"] = [s["cjk"], "</style>", '=HYPERLINK("http://evil.example")']
    res["dropship"]["upn"] = "<img src=x onerror=window.__pwned=1>@contoso.com"
    res["dropship"]["password"] = "Hunter2-never-print-me"
    res["run"]["warnings"].append("A" * 10_000)
    checks = res["checks"]
    checks[0]["summary"] = "Samples: " + " | ".join(s.values())
    checks[1]["title"] = "Tenant is SaaS <script>window.__pwned=1</script>"
    checks[2]["summary"] = "X" * 10_000
    checks[3]["references"] = ["javascript:window.__pwned=1", "https://docs.omnissa.com/x"]
    checks[4]["remediation"] = [
        "1. </script><script>window.__pwned=1</script><!--",
        "2. " + "long-step " * 500,
    ]
    ev = checks[10]["evidence"]
    ev["columns"] = ["Endpoint", "Value <b>bold</b>", "=formula col"]
    ev["rows"] = [["/api/x", h, s_] for h, s_ in zip(HOSTILE, list(s.values()) * 3, strict=False)]
    ev["rows"].append(["/api/y", "Z" * 10_000, None])
    ev["total_rows"] = len(ev["rows"])
    checks[11]["evidence"]["rows"][0][1] = s["arabic"]
    checks[11]["evidence"]["rows"][1][1] = s["hebrew"]
    checks[12]["summary"] = "<img src=x onerror=window.__pwned=1> " + s["greek"]
    return res


def large_results(n_rows: int) -> dict[str, Any]:
    """Not-ready results whose ``devices_registered`` evidence has ``n_rows`` rows."""
    res = copy.deepcopy(load("results_not_ready.json"))
    check = next(c for c in res["checks"] if c["id"] == "devices_registered")
    check["evidence"]["rows"] = [
        [
            "/api/mdm/groups/{uuid}/enrollment-tokens",
            f"5CG{i:07d}",
            f"RND-{i:06d}",
            ("EliteBook 840 G9", "Latitude 7440", "ThinkPad T14")[i % 3],
            "RnD",
            "Registered" if i % 7 == 0 else "Synced",
        ]
        for i in range(1, n_rows + 1)
    ]
    check["evidence"]["total_rows"] = n_rows
    check["summary"] = f"{n_rows // 7:,} of {n_rows:,} registered devices are not synced."
    return res


def load(name: str) -> dict[str, Any]:
    """A fixture from tests/data by file name."""
    result: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return result


def main() -> None:
    """Regenerate the static fixtures."""
    DATA.mkdir(exist_ok=True)
    for name, data in (
        ("results_ready.json", build_results("ready")),
        ("results_not_ready.json", build_results("not_ready")),
        ("results_scripts.json", build_scripts()),
    ):
        (DATA / name).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()


# ---- golden files -------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"


def normalise(text: str, results: dict[str, Any]) -> str:
    """``text`` with the run's volatile values (ids, times, tool version) replaced by tokens."""
    from reports.context import utc_text

    run = results["run"]
    swaps = [
        (run["id"], "<RUN_ID>"),
        (run["started_at"], "<STARTED_AT>"),
        (run["finished_at"], "<FINISHED_AT>"),
        (run["started_at"].removesuffix("Z"), "<STARTED_AT>"),
        (utc_text(run["started_at"]), "<STARTED UTC>"),
        (utc_text(run["finished_at"]), "<FINISHED UTC>"),
        (f"ws1-audit {results['tool']['version']}", "ws1-audit <VERSION>"),
        (f'"version": "{results["tool"]["version"]}"', '"version": "<VERSION>"'),
    ]
    for value, token in swaps:
        text = text.replace(value, token)
    return text


def assert_golden(name: str, text: str, results: dict[str, Any]) -> None:
    """Compare ``text`` (normalised) with tests/golden/``name``; ``UPDATE_GOLDEN=1`` rewrites it."""
    import difflib
    import os

    text = normalise(text, results)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.exists(), f"{path} is missing: run the tests with UPDATE_GOLDEN=1 to create it"
    with path.open(encoding="utf-8", newline="") as fh:
        expected = fh.read()
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), text.splitlines(), "golden/" + name, "rendered", lineterm=""
        )
        raise AssertionError(
            f"{name} differs from its golden file (UPDATE_GOLDEN=1 accepts the change):\n"
            + "\n".join(list(diff)[:80])
        )
