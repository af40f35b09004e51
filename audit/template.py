"""The commented config template that ``ws1-audit init`` writes, generated from the schema.

Generated from :data:`audit.config_keys.SCHEMA` so that the template can never document a key
the loader does not accept, or miss one it does; so is the README's "Configuration
reference" table (:func:`config_reference`, which the tests hold the README to).
"""

from __future__ import annotations

from typing import Any

from audit.config_keys import ATTESTATION_KEYS, SCHEMA, WAIVER_KEYS, Key
from audit.uem.catalogue import REGION_TOKEN_URLS

_EXAMPLES: dict[str, Any] = {
    "tenant.name": "Contoso production",
    "tenant.api_url": "https://as1234.awmdm.com",
    "tenant.username": "ws1-audit-reader",
    "tenant.password_env": "WS1_PASSWORD",
    "tenant.tenant_code_env": "WS1_TENANT_CODE",
    "tenant.client_id": "ws1-audit",
    "tenant.client_secret_env": "WS1_CLIENT_SECRET",
    "tenant.region": "na",
    "tenant.token_url": REGION_TOKEN_URLS["na"],
    "tenant.ca_bundle": "private-ca.pem",
    "dropship.organization_group": "contoso",
    "dropship.tags": ["RnD"],
    "dropship.smart_groups": ["Drop Ship RnD"],
    "dropship.email_domain": "contoso.com",
    "dropship.upn": "dropship@contoso.com",
    "dropship.username": "dropship-contoso",
    "collect.cache_dir": ".ws1-audit-cache",
    "report.organisation": "Contoso Ltd",
    "report.logo": "logo.png",
    "report.sign_key": "signing/auditor.p12",
    "report.sign_cert": "signing/auditor-chain.pem",
    "report.sign_passphrase_env": "WS1_SIGN_PASSPHRASE",
    "report.tsa_url": "https://tsa.example.com/tsr",
    "notify.urls_env": ["WS1_NOTIFY_URLS"],
}
# Keys left commented out in the template (optional, or one of two alternatives).
_COMMENTED = {
    "tenant.client_id",
    "tenant.client_secret_env",
    "tenant.token_url",
    "tenant.region",
    "tenant.ca_bundle",
    "dropship.smart_groups",
    "collect.cache_dir",
    "report.logo",
    "report.sign_key",
    "report.sign_cert",
    "report.sign_passphrase_env",
    "report.tsa_url",
    "notify.urls_env",
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        return '""'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_sections(data: dict[str, dict[str, Any]]) -> list[str]:
    """TOML lines of plain config sections (scalars and lists of scalars)."""
    lines: list[str] = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        lines += [f"{name} = {_toml(value)}" for name, value in values.items()]
    return lines


def _line(section: str, name: str, key: Key) -> list[str]:
    dotted = f"{section}.{name}"
    value = _EXAMPLES.get(dotted, key.default)
    required = " (required)" if key.required else ""
    default = (
        "" if key.required or key.default in (None, "", []) else f"; default {_toml(key.default)}"
    )
    comment = f"# {key.doc}{required}{default}; {key.expected()}"
    prefix = "# " if dotted in _COMMENTED or (value is None and not key.required) else ""
    return [comment, f"{prefix}{name} = {_toml(value)}"]


def config_template() -> str:
    """The full commented template as TOML text."""
    out = [
        "# ws1-audit configuration: one file per tenant.",
        "# Secrets never live in this file: it names environment variables that hold them.",
        '# auth = "basic" needs username, password_env and tenant_code_env;',
        '# auth = "oauth" needs client_id, client_secret_env and token_url or region.',
        "",
    ]
    for section, keys in SCHEMA.items():
        out.append(f"[{section}]")
        for name, key in keys.items():
            out += _line(section, name, key)
        out.append("")
    out += [
        "# Attestations: a named person's dated statement for what no API shows.",
        "# Keys: "
        + "; ".join(f"{n}: {k.doc} ({k.expected()})" for n, k in ATTESTATION_KEYS.items()),
        "# [[attestations]]",
        '# check = "hub_auto_update"',
        "# value = true",
        '# by = "Jane Admin"',
        "# date = 2026-11-01",
        '# evidence = "evidence/hub-settings.png"',
        "",
        "# Waivers: an accepted finding stays failed, flagged waived, until it expires.",
        "# Keys: " + "; ".join(f"{n}: {k.doc} ({k.expected()})" for n, k in WAIVER_KEYS.items()),
        "# [[waivers]]",
        '# check = "app_assignments_device_auto"',
        '# justification = "Legacy VPN client is On-Demand until the vendor ships 5.0"',
        '# owner = "Jane Admin"',
        "# expires = 2027-01-31",
        '# rows = ["Legacy VPN"]',
        "",
    ]
    return "\n".join(out)


def config_reference() -> str:
    """The README's configuration reference: one Markdown table row per key of the schema."""
    groups = [(f"{section}.", keys) for section, keys in SCHEMA.items()]
    groups += [("[[attestations]] ", ATTESTATION_KEYS), ("[[waivers]] ", WAIVER_KEYS)]
    lines = ["| key | type | default | required | meaning |", "|---|---|---|---|---|"]
    for prefix, keys in groups:
        for name, key in keys.items():
            default = "" if key.default in (None, "", []) else f"`{_toml(key.default)}`"
            required = "yes" if key.required else ""
            lines.append(
                f"| `{prefix}{name}` | {key.expected()} | {default} | {required} | {key.doc} |"
            )
    return "\n".join(lines)
