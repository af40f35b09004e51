"""The contract with the vendor: the catalogue, the simulator and the vendor's OpenAPI agree.

- Every catalogue entry's path, method and versions are in ``../shared/uem-openapi/`` (or
  the entry says why not), with the query parameters it sends and the response model it
  names; the enums the product maps are the documents' declared lists.
- The simulator routes exactly the catalogue's endpoints, in documented versions.
- Every answer the simulator gives, for every scenario and the generator, validates
  **strictly** against the vendor's response schema: only documented keys, documented
  types, string enums also accepted as integers (``tests/vendor.py``). Both the answers a
  real collection records and a sweep over every item of every route are checked.
- No endpoint string, envelope key or id alias is spelt in the product outside the
  catalogue; ``docs/collection.md`` carries the catalogue's table.

Where the vendor documents no response schema the test says so, with the reason:

- the v1 profile search (``mdmv1 ProfilesV1_Search`` declares no response body): checked
  for its envelope only;
- the profile details: ``DeviceProfileV2Entity`` documents ``General`` only, while a
  profile's details carry one key per payload (UEM_API.md section 10); a Windows profile
  is validated against the Windows Desktop profile model ``WindowsDesktopDeviceProfileEntity``
  (``General`` is the same ``GeneralPayloadV2Entity``), an Apple or Android one against its
  platform's model;
- error bodies: ``BaseExceptionModel`` declares ``message`` an object, every capture
  (``../shared/real_captures/fixtures/error_*.json``) has a string: the capture wins, so
  error bodies are checked for the captured keys and types.
"""

from __future__ import annotations

import ast
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sim_helpers import tenant_config
from vendor import (
    ROOT,
    document,
    model_name,
    model_validator,
    module_of,
    operation,
    problems,
    response_schema,
)

from audit import pipeline
from audit.simulator import SimulatorServer, generate_tenant, load_scenario
from audit.simulator.endpoints import ROUTES, UemApi
from audit.simulator.render.apps import app_bundle_id
from audit.simulator.tenant import device_uuid
from audit.uem import catalogue, enums

UEM_ENTRIES = [e for e in catalogue.ENTRIES if e.not_uem is None]
PROFILE_MODELS = {
    "WinRT": "WindowsDesktopDeviceProfileEntity",
    "Apple": "AppleDeviceProfileV2Entity",
    "Android": "AndroidDeviceProfileV2Entity",
}
ERROR_KEYS = {"errorCode": int, "message": str, "activityId": str}
SAMPLE = {
    "id": "570",
    "applicationId": "101",
    "profileId": "201",
    "ogUuid": "cc156ddf-a5cb-5dfb-8352-2accb448b7ea",
    "tokenUuid": "0c9d6a3e-1b2f-4c7d-8e9f-a1b2c3d4e5f6",
    "uuid": "3f6c1a52-9b0e-4d8f-a6c2-5e7d9b1a0130",
    "deviceUuid": "7d0e3b5c-2a41-4f6e-9b8d-0c1e2f3a4b5c",
}


# -- the catalogue against the documents ------------------------------------------------------


@pytest.mark.parametrize("ep", catalogue.ENTRIES, ids=lambda e: e.purpose)
def test_every_entry_is_in_the_vendors_documents_or_says_why_not(ep: catalogue.Endpoint) -> None:
    if ep.not_uem is not None:
        # The discovery service and the OAuth token service: not the tenant's API.
        assert ep.not_uem.strip() and not ep.path.startswith("/api/") and not ep.versions
        return
    assert ep.versions, ep.purpose
    for version in ep.versions:
        op = operation(ep, version)
        assert op is not None, f"{ep.method} {module_of(ep, version)} is not documented"
        content = (op["responses"].get("200") or op["responses"].get("201") or {}).get("content")
        schema = response_schema(op)
        if version in ep.undocumented:
            assert schema is None, f"{ep.purpose} v{version} is documented after all"
            continue
        assert content and f"application/json;version={version}" in content, ep.purpose
        assert model_name(schema) == ep.models[version], (ep.purpose, version)
        documented = {p["name"].casefold() for p in op.get("parameters", ())}
        sent = set(ep.query) | (
            {"page", "pagesize" if ep.paging == "v1" else "page_size"} if ep.paging else set()
        )
        assert {s.casefold() for s in sent} <= documented, (ep.purpose, sent - documented)
        placeholders = {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}
        assert placeholders == set(_placeholders(ep.path)), ep.purpose
    assert ep.permission.startswith("REST API "), ep.purpose


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_the_enums_are_the_vendors_declared_lists() -> None:
    mdm = document("mdmv1")["components"]["schemas"]
    token = mdm["EnrollmentTokenResponseV1Model"]["properties"]
    assert list(enums.ENROLLMENT_STATUS) == token["enrollment_status"]["enum"]
    assert list(enums.TOKEN_TYPE) == token["type"]["enum"]
    assert enums.TOKEN_TYPE.index(enums.DROPSHIP_TOKEN) == 4
    mam = document("mamv1")["components"]["schemas"]
    assert (
        list(enums.INSTALL_CONTEXT)
        == mam["MsiDeploymentParamModel"]["properties"]["InstallContext"]["enum"]
    )
    assert (
        list(enums.PUSH_MODE) == mam["InternalApplicationEntity"]["properties"]["PushMode"]["enum"]
    )
    # Platform ids are not the declared order (WinRT is the tenth name, 12 on the wire).
    declared = mdm["EnrollmentTokenGetByCriteriaDetailModel"]["properties"]["platform"]["enum"]
    assert set(enums.PLATFORM_IDS.values()) <= set(declared) and declared.index("WinRT") == 9
    assert enums.enum_name(4, enums.ENROLLMENT_STATUS) == "Enrolled"
    assert enums.enum_name("ON_DEMAND", enums.PUSH_MODE) == "OnDemand"
    assert enums.platform_name(12) == "WinRT"


def test_the_generic_loops_fill_every_placeholder_of_their_entries() -> None:
    """An entry scoped by the OG's id or UUID is read by the collector's loop with no code
    of its own: its path and query must need nothing else."""
    for scope in ("og_id", "og_uuid"):  # the two scopes a loop reads
        for ep in catalogue.scoped(scope):
            values = catalogue.scope_values(scope, "x")
            filled = ep.url_path(**values) + "".join(ep.params(group_id="", **values).values())
            assert "{" not in filled, ep.purpose


def test_every_trim_hook_named_by_the_catalogue_exists() -> None:
    from audit.trim import HOOKS

    assert {e.trim for e in catalogue.ENTRIES if e.trim} <= set(HOOKS)


# -- the simulator's routes against the catalogue -----------------------------------------------


def _sample_path(ep: catalogue.Endpoint) -> str:
    return ep.url_path(**SAMPLE).lower()


def test_the_simulator_routes_exactly_the_catalogues_endpoints() -> None:
    routed: dict[str, str] = {}
    for ep in UEM_ENTRIES:
        if ep.method != "GET":
            continue  # a read by POST (not collected) the simulator does not serve
        found = UemApi.resolve(_sample_path(ep))
        assert found is not None, f"the simulator does not route {ep.label}"
        route = found[0]
        routed[route.name] = ep.purpose
        documented = [v for v in range(1, 5) if operation(ep, v) is not None]
        assert set(route.versions) <= set(documented), (route.name, route.versions, documented)
        assert ep.versions[0] in route.versions or ep.versions[0] > max(route.versions)
    assert set(routed) == {r.name for r in ROUTES}, "a simulator route the catalogue lacks"


# -- every answer the simulator gives -----------------------------------------------------------


def _validate(
    ep: catalogue.Endpoint, version: int, body: Any, *, platform: str | None = None
) -> list[str]:
    """What ``body`` (an answer of ``ep`` served as ``version``) breaks of the vendor's model."""
    module, _ = module_of(ep, version)
    if ep.purpose == "profile_detail":
        return problems(model_validator(module, PROFILE_MODELS[platform or "WinRT"]), body)
    if version in ep.undocumented:
        # No documented body (v1 profile search): the v1 envelope, rows as the v2 model.
        rows = model_validator("mdmv2", "ProfileDetailsV2Entity")
        envelope = {"Profiles", "Page", "PageSize", "Total"}
        found = [f"(top): unexpected key {k}" for k in set(body) - envelope]
        return found + [p for row in body.get("Profiles", ()) for p in problems(rows, row)]
    schema = response_schema(operation(ep, version) or {})
    assert schema is not None, ep.purpose
    return (
        problems(model_validator(module, ep.models[version]), body)
        if "$ref" in schema
        else [p for row in body for p in problems(model_validator(module, ep.models[version]), row)]
    )


def _error_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return [f"error body is {type(body).__name__}"]
    return [f"error key {k}" for k in set(body) - set(ERROR_KEYS)] + [
        f"error {k} is {type(body[k]).__name__}"
        for k, kind in ERROR_KEYS.items()
        if k in body and not isinstance(body[k], kind)
    ]


def _old_console() -> dict[str, Any]:
    """The ready tenant on a console without the newer endpoints (their IIS HTML 404)."""
    tenant = load_scenario("ready")
    tenant["absent_endpoints"] = ["dropship_settings", "oem_sync", "device_app_search"]
    return tenant


def _public_hub() -> dict[str, Any]:
    """The ready tenant whose Hub is a public (store) app of the catalogue."""
    tenant = load_scenario("ready")
    next(a for a in tenant["apps"] if a["id"] == 130)["app_type"] = "Public"
    return tenant


def _tenants() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    yield "ready", load_scenario("ready"), {}
    yield "not-ready", load_scenario("not-ready"), {}
    yield "ready-v1only", load_scenario("ready"), {"faults": "v1only"}
    yield "ready-old-console", _old_console(), {}
    yield "ready-public-hub", _public_hub(), {}
    yield "generated", generate_tenant(400, windows_share=0.3, seed=5, outdated_hub_share=0.1), {}
    yield "generated-no-hub-app", generate_tenant(300, seed=6, hub_in_catalog=0.0), {}


TENANTS = list(_tenants())


@pytest.mark.parametrize(("name", "tenant", "knobs"), TENANTS, ids=[t[0] for t in TENANTS])
def test_every_answer_a_collection_records_is_the_vendors_shape(
    name: str, tenant: dict[str, Any], knobs: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant, **knobs)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    snapshot = pipeline.collect(config)
    platforms = {p["id"]: p.get("platform", "WinRT") for p in tenant.get("profiles", ())}
    checked: Counter[str] = Counter()
    for rec in snapshot.requests:
        ep = catalogue.find(rec["purpose"])
        if ep is None or ep.not_uem is not None or rec.get("body") is None:
            continue
        if rec.get("json_error"):  # IIS's HTML 404 of an endpoint the console lacks
            assert rec["status"] == 404 and name == "ready-old-console", rec["purpose"]
            continue
        version = int(str(rec["served_version"]).lstrip("v"))
        if rec["status"] >= 400:
            assert not _error_problems(rec["body"]), rec["purpose"]
            continue
        item = rec["purpose"].split(":", 1)[-1]
        platform = platforms.get(int(item)) if ep.purpose == "profile_detail" else None
        found = _validate(ep, version, rec["body"], platform=platform)
        assert not found, (rec["purpose"], found[:5])
        checked[ep.purpose] += 1
    # Every list, and the details the tenant's Drop Ship set-up leads to (not-ready: no
    # smart group selects the tag, no token at the OG; og_detail, og_ancestor: not needed).
    wanted = {"system_info", "og_search", "og_children", "tags", "smart_groups", "smart_group"}
    wanted |= {"apps", "profiles", "devices"}
    if name != "not-ready":
        wanted |= {"app_detail", "profile_detail", "registrations", "registration_detail"}
    # The Hub: the app-centric lists where it is a catalogue app, the app search per device
    # for what they miss, the inventory on a console without that search.
    if name == "ready-old-console":
        wanted |= {"hub_devices", "device_apps"}
    else:
        wanted |= {"dropship_settings", "oem_sync"}
    if name != "generated":  # there the lists cover every device
        wanted |= {"device_app_search"} if name != "ready-old-console" else set()
    if name in ("not-ready", "generated-no-hub-app"):
        wanted |= {"hub_app_search"}
    elif name == "ready-public-hub":
        wanted |= {"hub_app_devices"}
    elif name != "ready-old-console":
        wanted |= {"hub_devices"}
    assert set(checked) >= wanted, wanted - set(checked)


def _client(server: SimulatorServer, version: int) -> httpx.Client:
    creds = server.tenant["credentials"]
    headers = {
        "aw-tenant-code": creds["tenant_code"],
        "Accept": f"application/json;version={version}",
    }
    return httpx.Client(
        base_url=server.url,
        auth=(creds["username"], creds["password"]),
        headers=headers,
        timeout=10,
    )


def _requests(tenant: dict[str, Any]) -> Iterator[tuple[catalogue.Endpoint, dict[str, Any], Any]]:
    """Every request of every route, for every item of the tenant (devices: a sample)."""
    entry = catalogue.entry
    for og in tenant["org_groups"]:
        values = {"og_id": og["id"], "id": og["id"], "group_id": og["group_id"]}
        for purpose in ("og_search", "og_children", "og_detail", "tags", "smart_groups", "apps"):
            yield entry(purpose), values, None
        yield entry("profiles"), values, None
        yield entry("devices"), values, None
        yield entry("registrations"), {"ogUuid": og["uuid"]}, og
    for sg in tenant.get("smart_groups", ()):
        yield entry("smart_group"), {"id": sg["id"]}, None
    for app in tenant.get("apps", ()):
        yield entry("app_detail"), {"applicationId": app["id"]}, None
    for profile in tenant.get("profiles", ()):
        yield (
            entry("profile_detail"),
            {"profileId": profile["id"]},
            profile.get("platform", "WinRT"),
        )
    for device in itertools.islice(tenant.get("devices", ()), 0, None, 7):
        yield entry("device_apps"), {"id": device["id"]}, None
        for text in ("Intelligent Hub", "AirWatch Agent", ""):
            values = {"deviceUuid": device_uuid(device), "searchtext": text}
            yield entry("device_app_search"), values, None
    for og in tenant["org_groups"]:
        yield entry("dropship_settings"), {"uuid": og["uuid"]}, None
        yield entry("oem_sync"), {"ogUuid": og["uuid"]}, None
        for app in tenant.get("apps", ()):
            owner = tenant_og(tenant, app["og_id"])
            bundle = app_bundle_id(app)
            yield entry("hub_app_devices"), {"uuid": app["uuid"], "og_uuid": og["uuid"]}, None
            values = {"bundleid": bundle, "app_og_uuid": owner, "og_uuid": og["uuid"]}
            yield entry("hub_devices"), values, None
            yield entry("hub_app_search"), {"bundleid": bundle, "og_id": og["id"]}, None


def tenant_og(tenant: dict[str, Any], og_id: int) -> str:
    return str(next(o["uuid"] for o in tenant["org_groups"] if o["id"] == og_id))


@pytest.mark.parametrize(("name", "tenant", "knobs"), TENANTS, ids=[t[0] for t in TENANTS])
def test_every_answer_of_every_route_is_the_vendors_shape(
    name: str, tenant: dict[str, Any], knobs: dict[str, Any]
) -> None:
    checked: Counter[str] = Counter()
    with SimulatorServer(tenant, **knobs) as server:
        for version in (1, 2):
            with _client(server, version) as client:
                for ep, values, extra in _requests(tenant):
                    if version not in ep.versions and version != 1:
                        continue
                    params = {**ep.params(**values), "pagesize": "3", "page_size": "3"}
                    answer = client.get(ep.url_path(**values), params=params)
                    served = int(answer.headers.get("x-api-version", "v1").lstrip("v"))
                    if answer.status_code == 204:
                        assert not answer.content
                        continue
                    if "html" in answer.headers.get("content-type", ""):
                        # an endpoint this console lacks: IIS's page, as for an unknown path
                        assert answer.status_code == 404, (ep.purpose, answer.status_code)
                        assert ep.purpose in tenant.get("absent_endpoints", ()), ep.purpose
                        continue
                    body = answer.json()
                    if answer.status_code >= 400:
                        assert not _error_problems(body), (ep.purpose, body)
                        continue
                    platform = extra if ep.purpose == "profile_detail" else None
                    found = _validate(ep, served, body, platform=platform)
                    assert not found, (ep.purpose, values, served, found[:5])
                    checked[ep.purpose] += 1
                    if ep.purpose == "registrations":
                        for token in body["tokens"]:
                            detail_ep = catalogue.entry("registration_detail")
                            path = detail_ep.url_path(ogUuid=extra["uuid"], tokenUuid=token["uuid"])
                            detail = client.get(path).json()
                            assert not _validate(detail_ep, 1, detail), detail
                            checked[detail_ep.purpose] += 1
    assert checked["registration_detail"] and checked["profile_detail"] and checked["app_detail"]
    for purpose in ("dropship_settings", "oem_sync", "device_app_search"):
        assert checked[purpose] or purpose in tenant.get("absent_endpoints", ()), purpose
    assert checked["hub_devices"] + checked["hub_app_devices"] and checked["hub_app_search"]


# -- nothing of the API is spelt outside the catalogue -------------------------------------------

#: Envelope keys and id aliases no product module but the catalogue may spell.
GUARDED = {
    "OrganizationGroups",
    "LocationGroups",
    "SmartGroups",
    "ProfileList",
    "DeviceApps",
    "tokens",
    "SmartGroupID",
    "SmartGroupId",
    "SmartGroupUuid",
    "ProfileId",
    "ProfileUuid",
    "ParentLocationGroup",
    "LocationGroupId",
    "ManagedByOrganizationGroupId",
    "AssignmentSmartGroups",
    "AssignedSmartGroups",
    "PlatformId",
    "Assignments",
    "app_items",
    "device_uuid",
    "sub_organization_groups",
    "enable_dropship_provisioning",
}
#: Modules allowed to spell them: the catalogue itself, and the simulator (the vendor's fake).
ALLOWED = {"audit/uem/catalogue.py"}


def _product_strings() -> Iterator[tuple[str, int, str]]:
    for base in ("audit", "checks", "reports"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED or rel.startswith("audit/simulator/"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
                if is_text and id(node) not in docstrings:
                    yield rel, node.lineno, node.value


def test_no_endpoint_envelope_key_or_id_alias_is_spelt_outside_the_catalogue() -> None:
    found = [
        f"{rel}:{line}: {value!r}"
        for rel, line, value in _product_strings()
        if "/api/" in value.lower() or value in GUARDED
    ]
    assert not found, "\n".join(found)


def test_docs_collection_carries_the_catalogue_table() -> None:
    doc = (ROOT / "docs" / "collection.md").read_text(encoding="utf-8")
    assert catalogue.markdown_table() in doc, (
        "docs/collection.md is out of date: paste `python -m audit.uem.catalogue` into it"
    )
