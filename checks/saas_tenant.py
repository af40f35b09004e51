"""saas_tenant: the tenant is a Workspace ONE UEM SaaS environment.

Drop Ship Provisioning (Online) is supported for SaaS customers only. Evidence: the API
host of the tenant (``inventory.api_host``, from the config's ``tenant.api_url``) lying
under a known SaaS domain, else an attestation. Attestation names: ``saas_tenant``, or
the alias ``saas`` (value true: the tenant is SaaS). An attestation, when present, settles
the check (a named person's statement outranks the host-name inference; a conflict is
said in the summary). A vanity domain or an on-premises host gives ``manual``; so does the
simulator (127.0.0.1), whose demo tenants rely on an attestation.

Relies on: SaaS API hosts being ``asNNNN.awmdm.com`` (confirmed by a captured SaaS tenant,
UEM_API.md "HAR") or ``asNNN.airwatchportals.com`` (public admin scripts and Microsoft's
AirWatch SSO tutorial, which lists both domains). No endpoint says "SaaS" itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, decide_by_attestation
from checks._common import PATH_STAGING, REF_DSP_ONLINE, REF_SAAS_HOSTS, error, steps

#: Domains under which Workspace ONE UEM SaaS tenants are served.
#: - awmdm.com: SaaS API/console hosts asNNNN/cnNNNN.awmdm.com (captured SaaS traffic in
#:   JupiterOne/graph-airwatch; vendor docs on SaaS hosts).
#: - airwatchportals.com: older SaaS environments asNNN/cnNNN.airwatchportals.com (Microsoft
#:   Entra "AirWatch" SSO tutorial lists https://<SUBDOMAIN>.airwatchportals.com beside
#:   awmdm.com; admin scripts: "Domain - either awmdm.com, airwatchportals.com or your own").
#: Tenants on a custom (vanity) domain need an attestation.
SAAS_DOMAINS: tuple[str, ...] = ("awmdm.com", "airwatchportals.com")
SOURCE = "config tenant.api_url (the API host)"

META = CheckMeta(
    id="saas_tenant",
    title="The tenant is Workspace ONE UEM SaaS",
    severity="critical",
    requirement=(
        "Workspace ONE Drop Ship Provisioning (Online) is supported for SaaS customers only."
    ),
    rationale=(
        "The OEM Provisioning Service that registered devices and the Provisioning Agent talk to "
        "works with SaaS tenants only; an on-premises tenant cannot use Drop Ship Provisioning "
        "(Online) at all. Critical because it blocks the whole feature."
    ),
    remediation=steps(
        "Confirm with the tenant owner whether the environment is SaaS (hosted by the vendor) "
        "and record an attestation (check saas_tenant) with the contract or support reference.",
        "For an on-premises environment, use Drop Ship Provisioning (Offline) instead, or "
        "migrate to a SaaS environment.",
        f"On a SaaS tenant, enable Drop Ship at {PATH_STAGING}.",
    ),
    references=(REF_DSP_ONLINE, REF_SAAS_HOSTS),
    settings=("saas",),
)


def host_of(api_host: str) -> str:
    """The bare lowercase host of a host name or URL."""
    raw = api_host.strip()
    parsed = urlsplit(raw if "://" in raw else f"//{raw}")
    return (parsed.hostname or "").rstrip(".").lower()


def saas_domain(host: str) -> str | None:
    """The known SaaS domain ``host`` lies under, or None."""
    return next((d for d in SAAS_DOMAINS if host == d or host.endswith("." + d)), None)


def evaluate(ctx: CheckContext) -> Outcome:
    """Attestation first, else the API host's domain, else manual."""
    api_host = ctx.inventory.api_host
    if not isinstance(api_host, str):
        return error(
            "The tenant's API host is not text.",
            "unexpected API host",
            f"{type(api_host).__name__} {api_host!r:.80}",
            SOURCE,
        )
    host = host_of(api_host)
    domain = saas_domain(host)

    def by_host() -> Outcome:
        if domain:
            return Outcome(
                "pass",
                f"The API host {host} is under {domain}, a Workspace ONE UEM SaaS domain.",
                Evidence(["API host", "SaaS domain"], [[host, domain]], SOURCE),
            )
        return Outcome(
            "manual",
            f"The API host {host or '(none)'} is not under a known SaaS domain "
            f"({', '.join(SAAS_DOMAINS)}); confirm the tenant is SaaS and record an attestation.",
            Evidence(["API host", "Known SaaS domains"], [[host, ", ".join(SAAS_DOMAINS)]], SOURCE),
        )

    outcome = decide_by_attestation(
        ctx, META, "a SaaS tenant", names=META.settings, otherwise=by_host
    )
    if outcome.attestation is not None and outcome.status == "fail" and domain:
        outcome.summary += f" Note: the API host {host} is under the SaaS domain {domain}."
    return outcome


CHECK = Check(META, evaluate)
