"""The demo: the bundled simulated tenant, audited live over HTTP on loopback.

``ws1-audit demo`` starts the simulator on an ephemeral port, writes nothing but its
reports, and audits the simulated tenant through the real client, exactly like a live run.
The demo config below is what a user's TOML would say, with the attestations a team
would record for the requirements no API shows.
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import Any

from audit.config import Config, parse_config
from audit.fileio import write_atomic

DEMO_SCENARIOS = ("not-ready", "ready")

_EVIDENCE = """Drop Ship Provisioning (Online) console review (simulated)
Reviewed settings:
- Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > Intelligent Hub Application
- Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > Auto Enrollment
- Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > Staging & Provisioning
- Software Distribution of Win32 Applications in the Drop Ship organization group
Manufacturer staging confirmation: generic PPKG, unattend.xml and Sysprep (OEM order 4711).
"""


#: The checks the ready demo settles by attestation: what no API shows (and the SaaS
#: question, which a loopback simulator cannot answer from its host name). Drop Ship
#: enabled is read from the API too: its attestation shows beside the API, agreeing.
ATTESTED_IN_DEMO = (
    "saas_tenant",
    "hub_auto_update",
    "software_distribution",
    "auto_enrollment_disabled",
    "dropship_enabled",
    "device_staging",
)


def _attestations(scenario: str, today: dt.date, evidence: str) -> list[dict[str, Any]]:
    recent = today - dt.timedelta(days=12)
    by = "Dana Demo (EUC lead)"
    if scenario == "ready":
        return [
            {"check": check, "value": True, "by": by, "date": recent, "evidence": evidence}
            for check in ATTESTED_IN_DEMO
        ]
    return [
        {
            "check": "auto_enrollment_disabled",
            "value": False,
            "by": by,
            "date": recent,
            "note": "Auto Enrollment is still on for the pilot; to be turned off before rollout",
        },
        {
            "check": "hub_auto_update",
            "value": True,
            "by": "Former admin",
            "date": today - dt.timedelta(days=200),
            "evidence": evidence,
        },
    ]


def simulated_config_data(
    tenant: dict[str, Any], api_url: str, *, auth: str = "basic"
) -> tuple[dict[str, Any], dict[str, str]]:
    """Config data (as parsed TOML) for a simulated tenant served at ``api_url``, and the
    environment that holds its simulated credentials (``SIM_PASSWORD``, ``SIM_TENANT_CODE``,
    ``SIM_CLIENT_SECRET``). The Drop Ship settings are those of the bundled scenarios and
    the generator: OG ``contoso``, tag ``RnD``, domain ``contoso.com``; the simulator also
    answers the discovery lookup, so ``autodiscovery_url`` is the same server. An
    ``http://`` simulator gets ``allow_insecure_http = true``."""
    creds = tenant.get("credentials", {})
    env = {
        "SIM_PASSWORD": str(creds.get("password", "")),
        "SIM_TENANT_CODE": str(creds.get("tenant_code", "")),
        "SIM_CLIENT_SECRET": str(creds.get("client_secret", "")),
    }
    section: dict[str, Any] = {
        "name": str(tenant.get("name", "Simulated tenant")),
        "api_url": api_url,
    }
    if api_url.startswith("http://"):
        section["allow_insecure_http"] = True  # a loopback simulator speaks plain HTTP
    if auth == "basic":
        section.update(
            username=str(creds.get("username", "")),
            password_env="SIM_PASSWORD",
            tenant_code_env="SIM_TENANT_CODE",
        )
    else:
        section.update(
            auth="oauth",
            client_id=str(creds.get("client_id", "")),
            client_secret_env="SIM_CLIENT_SECRET",
            token_url=api_url + "/connect/token",
        )
    data: dict[str, Any] = {
        "tenant": section,
        "dropship": {
            "organization_group": "contoso",
            "tags": ["RnD"],
            "email_domain": "contoso.com",
            "autodiscovery_url": api_url,
            "upn": "dropship@contoso.com",
            "username": "dropship-contoso",
        },
    }
    return data, env


def demo_config(
    tenant: dict[str, Any], *, api_url: str, scenario: str, out_dir: Path
) -> tuple[Config, dict[str, str]]:
    """The config the demo audits with, and the environment holding the simulated secrets."""
    data, env = simulated_config_data(tenant, api_url)
    if scenario == "not-ready":
        # The not-ready tenant's smart group lost its tag criterion; naming the group
        # lets the demo show what its app and profile assignments get wrong too.
        data["dropship"]["smart_groups"] = ["Drop Ship RnD"]
    evidence = out_dir / "demo-evidence" / "console-review.txt"
    write_atomic(evidence, _EVIDENCE)
    today = dt.datetime.now(dt.UTC).date()
    data["report"] = {"organisation": "Contoso Ltd (demo)"}
    data["attestations"] = _attestations(scenario, today, str(evidence))
    config = parse_config(data, file=f"<demo:{scenario}>", base_dir=out_dir, env=env)
    return config, env


def simulator_notes(tenant: dict[str, Any]) -> Any:
    """The lines ``ws1-audit simulate`` adds to its banner: a whole config that audits the
    simulated tenant, and the environment that holds its simulated credentials."""
    from audit.template import toml_sections

    def notes(server: Any) -> list[str]:
        data, env = simulated_config_data(tenant, server.url)
        return [
            "Audit it with this config (the simulator also answers the discovery lookup, so",
            "autodiscovery_url is the same server), e.g. saved as sim.toml:",
            *(f"    {line}" for line in toml_sections(data)),
            "  and these environment variables (simulated credentials, not secrets):",
            f"    export SIM_PASSWORD={shlex.quote(env['SIM_PASSWORD'])} "
            f"SIM_TENANT_CODE={shlex.quote(env['SIM_TENANT_CODE'])}",
            "  then: ws1-audit run --config sim.toml --out sim-report/",
        ]

    return notes
