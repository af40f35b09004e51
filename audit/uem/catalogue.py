"""The endpoint catalogue: every endpoint ws1-audit calls, said once.

One :class:`Endpoint` per request kind: its purpose (how the snapshot records it and the
inventory finds it again), method, path template (the parameter names of the vendor's
OpenAPI, ``../shared/uem-openapi/``), the API versions asked, the list envelope keys, the
id keys of a row and the keys its rows refer to other things by, the paging style, the
inventory frames it feeds, the entries it depends on, the vendor response model it
follows, and a hook slot (``trim``) naming how its records are trimmed (``audit.trim``).

The entries themselves are data, one module per area: ``catalogue_groups`` (the tenant
and its organization groups), ``catalogue_payloads`` (tags, smart groups, apps,
profiles) and ``catalogue_devices`` (the devices, their Hub, their registrations, the
Drop Ship settings); this module assembles them and answers questions about them.

The collector reads every path, version, envelope and id key from here; the inventory
builder, the scope rules and the checks (evidence ``source``, gap dependencies) look
entries up by purpose; ``docs/collection.md`` carries the table :func:`markdown_table`
renders (a test keeps them equal); the contract test (``tests/test_vendor_contract.py``)
checks every entry against the vendor's documents and the simulator's routes against
the entries. No endpoint string, envelope key or id alias is spelt anywhere else in the
product.

Adding an endpoint is adding an entry (to its area's module): an entry whose path needs only the Drop Ship OG's
id (``scope="og_id"``) or UUID (``scope="og_uuid"``) is read by the collector's generic
loop; a per-item entry (``per_item``) needs the selection of the items it is read for.

Permission names (``permission``) are those of the admin role editor (Accounts >
Administrators > Roles, category API > REST). "REST API Groups Read", "Smart Groups Read",
"Apps Read" and "Devices Read" are documented in a vendor integration guide (Check Point
Harmony Mobile, Appendix B); the others follow the same naming and are unconfirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from audit.uem import catalogue_devices, catalogue_groups, catalogue_payloads, endpoint
from audit.uem.endpoint import Endpoint, Scope

#: The OAuth 2.0 token URL of each SaaS region (UEM_API.md, Authentication).
REGION_TOKEN_URLS: Mapping[str, str] = MappingProxyType(
    {
        "na": "https://na.uemauth.workspaceone.com/connect/token",
        "emea": "https://emea.uemauth.workspaceone.com/connect/token",
        "apac": "https://apac.uemauth.workspaceone.com/connect/token",
        "uat": "https://uat.uemauth.workspaceone.com/connect/token",
    }
)
#: The public discovery service (UEM_API.md section 5).
DEFAULT_AUTODISCOVERY_URL = "https://discovery.awmdm.com"
#: The root of every UEM API path (the API version may follow it: ``/api/v2/...``).
API_ROOT = "/api"
#: Where the admin role permissions are granted, for remediation texts.
ROLE_EDITOR = "Accounts > Administrators > Roles"


#: Every entry, in the order of ``docs/collection.md`` (and of the collector's generic loops).
ENTRIES: tuple[Endpoint, ...] = (
    *catalogue_groups.ENTRIES,
    *catalogue_payloads.ENTRIES,
    *catalogue_devices.ENTRIES,
)

BY_PURPOSE: Mapping[str, Endpoint] = MappingProxyType({e.purpose: e for e in ENTRIES})


def entry(purpose: str) -> Endpoint:
    """The entry of a purpose, or of a per-item purpose (``"smart_group:12"``)."""
    return BY_PURPOSE[purpose.split(":", 1)[0]]


def find(purpose: str) -> Endpoint | None:
    """Like :func:`entry`, None for a purpose the catalogue does not know (a plugin's)."""
    return BY_PURPOSE.get(purpose.split(":", 1)[0])


def label(purpose: str) -> str:
    """``"GET /api/..."`` of a purpose."""
    return entry(purpose).label


#: The placeholder names the generic loops fill with the Drop Ship OG's id or UUID (the
#: OpenAPI names the same value differently on different paths).
SCOPE_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "og_id": ("og_id", "id", "organizationGroupId"),
        "og_uuid": ("og_uuid", "ogUuid", "uuid", "organizationGroupUuid"),
    }
)


def scope_values(scope: Scope, value: object) -> dict[str, object]:
    """The placeholder values of a scope (``{"og_id": 570, "id": 570, ...}``)."""
    return dict.fromkeys(SCOPE_NAMES[scope], value)


def scoped(scope: Scope) -> tuple[Endpoint, ...]:
    """The collected entries whose path and query need only ``scope`` (catalogue order)."""
    return tuple(e for e in ENTRIES if e.scope == scope and e.collected)


def upstream(*purposes: str) -> set[str]:
    """``purposes`` and every purpose they depend on, transitively."""
    seen: set[str] = set()
    todo = [p.split(":", 1)[0] for p in purposes]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        known = BY_PURPOSE.get(name)
        if known is not None:
            todo.extend(known.depends)
    return seen


def sources(*purposes: str) -> str:
    """Evidence ``source`` text for ``purposes``: ``"GET /a, /b"`` (one method named once)."""
    out: list[str] = []
    method = ""
    for p in purposes:
        e = entry(p)
        out.append(e.path if e.method == method else e.label)
        method = e.method
    return ", ".join(dict.fromkeys(out))


def frame_sources() -> dict[str, str]:
    """Evidence ``source`` of each inventory frame: the entries that feed it."""
    frames: dict[str, list[str]] = {}
    for e in ENTRIES:
        for name in e.frames:
            frames.setdefault(name, []).append(e.purpose)
    return {name: sources(*purposes) for name, purposes in frames.items()}


def read_only_posts() -> tuple[Endpoint, ...]:
    """The POST entries: searches that only read."""
    return tuple(e for e in ENTRIES if e.method == "POST" and e.not_uem is None)


def markdown_table(entries: Iterable[Endpoint] = ()) -> str:
    """The catalogue as the table of ``docs/collection.md``."""
    return endpoint.markdown_table(entries or ENTRIES)


if __name__ == "__main__":  # the table of docs/collection.md
    print(markdown_table())
