"""Property-based tests (hypothesis): versions, response parsers, inventory, CSV cells.

- Version comparison is a total order on what parses, ignores zero padding and trailing
  zeros, agrees with integer tuple comparison, and never raises on any input.
- The response parsers (envelopes, totals, ids, paging, the inventory builder, the checks
  on top of it) accept any JSON: they yield an inventory (and 16 check results) or a
  clear gap, never an exception.
- CSV neutralisation: no cell a spreadsheet would evaluate survives ``csv_cell`` or the
  CSV writers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.inventory import Inventory
from audit.inventory_build import build_inventory
from audit.plugins import get_registry
from audit.runner import run_checks
from audit.snapshot import Snapshot, snapshot_from_dict
from audit.uem import shapes
from audit.uem.paging import read_pages
from audit.versions import format_version, parse_version, version_at_least

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATUSES = {"pass", "fail", "warn", "manual", "error", "skipped"}

# -- versions ------------------------------------------------------------------------------

parts = st.lists(st.integers(min_value=0, max_value=99_999), min_size=1, max_size=5)


def _padded_cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    width = max(len(a), len(b))
    pa, pb = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (pa > pb) - (pa < pb)


@FAST
@given(parts, parts)
def test_version_comparison_is_integer_tuple_order(a: list[int], b: list[int]) -> None:
    ta, tb = tuple(a), tuple(b)
    sa, sb = format_version(ta), format_version(tb)
    if (len(ta) == 1 and len(sa) == 4) or (len(tb) == 1 and len(sb) == 4):
        return  # "2105" is a marketing release (21.5), covered below
    assert parse_version(sa) == ta
    expected = _padded_cmp(ta, tb)
    assert version_at_least(sa, sb) is (expected >= 0)
    assert version_at_least(sb, sa) is (expected <= 0)
    assert version_at_least(sa, sa) is True


@FAST
@given(parts, st.integers(min_value=0, max_value=3))
def test_zero_padding_and_trailing_zeros_do_not_matter(p: list[int], extra: int) -> None:
    plain = format_version(tuple(p))
    padded = ".".join(f"{n:02d}" for n in p) + ".0" * extra
    if len(p) == 1:
        return
    assert version_at_least(plain, padded) is True and version_at_least(padded, plain) is True


@FAST
@given(st.integers(min_value=10, max_value=99), st.integers(min_value=0, max_value=99))
def test_marketing_release_is_major_minor(major: int, minor: int) -> None:
    assert parse_version(f"{major}{minor:02d}") == (major, minor)
    assert version_at_least(f"{major}.{minor}.0.1", f"{major}{minor:02d}") is True


@FAST
@given(
    st.one_of(
        st.text(),
        st.integers(),
        st.floats(allow_nan=True),
        st.none(),
        st.booleans(),
        st.lists(st.integers()),
    ),
    st.one_of(st.text(), st.integers(), st.none()),
)
def test_version_functions_never_raise(a: Any, b: Any) -> None:
    parsed = parse_version(a)
    assert parsed is None or all(isinstance(n, int) and n >= 0 for n in parsed)
    assert version_at_least(a, b) in (True, False, None)


def test_known_version_orderings() -> None:
    assert version_at_least("20.10", "20.9") and not version_at_least("20.9", "20.10")
    assert version_at_least("21.5.0.3", "2105") and not version_at_least("21.2.0.1", "2105")
    assert version_at_least("24.09.00.0", "24.9") and version_at_least("24.9.0.0", "24.09")
    assert version_at_least("not a version", "2105") is None


# -- response parsers ---------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["12", "²", "٣", " 7 ", "", "WinRT", "Customer", "Auto", "Device"]),
)
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "Id",
            "id",
            "Value",
            "Uuid",
            "Name",
            "GroupId",
            "LocationGroupType",
            "Total",
            "TotalResults",
            "total_count",
            "Page",
            "PageSize",
            "page_size",
            "Tags",
            "TagName",
            "SmartGroups",
            "SmartGroupID",
            "Application",
            "ApplicationName",
            "Assignments",
            "PushMode",
            "DeploymentOptions",
            "HowToInstall",
            "InstallContext",
            "ProfileList",
            "General",
            "AssignedSmartGroups",
            "Devices",
            "Platform",
            "PlatformId",
            "LocationGroupId",
            "DeviceApps",
            "Version",
            "tokens",
            "serial_number",
            "tags",
            "ProductVersion",
            "OrganizationGroups",
            "LocationGroups",
            "CriteriaType",
            "CustomSettingsList",
            "CustomSettingsXML",
            "GroupId",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)


@FAST
@given(json_values, st.lists(keys, max_size=3))
@example("²", [])  # str.isdigit() is true for superscripts, int() refuses them
@example({"Total": "²", "Devices": [{"Id": {"Value": "³"}}]}, ["Devices"])
@example({"TotalResults": "٣", "x": [{"id": " ١٢ "}]}, [])
def test_shape_helpers_accept_any_json(body: Any, preferred: list[str]) -> None:
    items = shapes.items_of(body, preferred)
    assert items is None or all(isinstance(i, dict) for i in items)
    total = shapes.total_of(body)
    assert total is None or isinstance(total, int)
    assert shapes.id_of(body) is None or isinstance(shapes.id_of(body), int)
    shapes.get(body, "Id", "Name")
    for row in items or []:
        assert shapes.row_id(row) is None or isinstance(shapes.row_id(row), int)


@FAST
@given(st.text(max_size=12).map(lambda t: t.encode("utf-8", "replace").decode("latin-1")))
@example("²")
@example("1e400")
@example("-5")
def test_client_reads_any_rate_limit_and_retry_after_header(value: str) -> None:
    import httpx

    from audit.uem.auth import BasicAuth
    from audit.uem.client import UEMClient
    from audit.uem.recorder import Recorder
    from audit.uem.wire import retry_after_seconds

    client = UEMClient(
        "http://127.0.0.1:9",
        BasicAuth("u", "p-secret", "t-secret"),
        recorder=Recorder(),
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        verify=False,  # no TLS here; spares loading the trust store per example
    )
    try:
        raw = value.encode("latin-1")
        client.quota.note(httpx.Headers({b"x-ratelimit-remaining": raw, b"x-ratelimit-reset": raw}))
        assert client.quota.remaining is None or client.quota.remaining >= 0
        waited = retry_after_seconds(value, cap=60.0)
        assert waited is None or 0.0 <= waited <= 60.0
    finally:
        asyncio.run(client.aclose())


class _Page:
    def __init__(self, body: Any) -> None:
        self.status = 204 if body is None else 200
        self.body = body
        self.json_error = None
        self.served_version = "v1"


@FAST
@given(st.lists(json_values, min_size=1, max_size=6))
def test_paging_reads_any_answers_without_raising(pages: list[Any]) -> None:
    async def fetch(page: int) -> _Page:
        return _Page(pages[page] if page < len(pages) else None)

    result = asyncio.run(read_pages(fetch, items=("Devices",), max_workers=3, max_pages=50))
    assert isinstance(result.items, list) and result.pages >= 1
    assert result.complete or result.note


PURPOSES = [
    "system_info",
    "og_search",
    "og_detail",
    "og_children",
    "tags",
    "smart_groups",
    "smart_group:12",
    "apps",
    "app_detail:101",
    "profiles",
    "profile_detail:201",
    "devices",
    "device_apps:1001",
    "registrations",
    "discovery",
    "plugin_extra",
]


@st.composite
def snapshots(draw: Any) -> Snapshot:
    records = []
    for i, purpose in enumerate(draw(st.lists(st.sampled_from(PURPOSES), max_size=14))):
        records.append(
            {
                "seq": i + 1,
                "purpose": purpose,
                "method": "GET",
                "path": "/api/x",
                "query": draw(
                    st.sampled_from([{}, {"page": 0}, {"page": 1}, {"page": "x"}, {"page": None}])
                ),
                "status": draw(st.sampled_from([200, 200, 200, 204, 404, 500, None])),
                "served_version": draw(st.sampled_from([None, "v1", "v2"])),
                "elapsed_ms": 1.0,
                "body": draw(json_values),
                "attempt": 1,
                "error": None,
                "json_error": draw(st.sampled_from([None, None, "not valid JSON"])),
            }
        )
    gaps = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "purpose": st.sampled_from(PURPOSES),
                    "endpoint": st.just("GET /api/x"),
                    "reason": st.text(max_size=10),
                    "status": st.sampled_from([None, 500, 503]),
                    "kind": st.sampled_from(["api", "budget", "shape", None]),
                }
            ),
            max_size=3,
        )
    )
    dropship = draw(
        st.fixed_dictionaries(
            {
                "organization_group": st.sampled_from(["contoso", "", "x"]),
                "tags": st.lists(st.sampled_from(["RnD", "", "=x"]), max_size=2),
                "email_domain": st.sampled_from(["contoso.com", None]),
            }
        )
    )
    return Snapshot(
        tool={"name": "ws1-audit", "version": "0"},
        tenant={"name": "t", "api_url": "https://as1.awmdm.com", "api_host": "as1.awmdm.com"},
        dropship=dropship,
        requests=records,
        gaps=gaps,
        stats={},
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_inventory_builder_and_checks_accept_any_recorded_json(snapshot: Snapshot) -> None:
    inventory = build_inventory(snapshot)
    assert isinstance(inventory, Inventory)
    checks = list(get_registry().checks.values())
    entries = run_checks(
        checks,
        inventory,
        requirements={
            "min_uem_version": "2105",
            "min_hub_version": "20.10",
            "attestation_max_age_days": 90,
        },
        dropship=dict(snapshot.dropship),
        today=dt.date(2025, 1, 1),
    )
    assert len(entries) == 16
    assert {e["status"] for e in entries} <= STATUSES
    for entry in entries:
        if entry["status"] == "error":
            assert entry["summary"]  # an error always says why
        # nothing crashed inside a check: a crash would name the exception type
        assert "Traceback" not in entry["summary"]
    # a snapshot round-trips through its integrity hash whatever its bodies hold
    data = json.loads(json.dumps(snapshot.to_dict(), default=str))
    assert snapshot_from_dict(data).sha256 == snapshot.sha256


@FAST
@given(json_values)
def test_snapshot_loader_turns_any_json_into_a_snapshot_or_one_clear_error(data: Any) -> None:
    from audit.errors import InputFileError

    try:
        snapshot_from_dict(data, "x.json")
    except InputFileError as exc:
        assert str(exc).startswith("x.json: ") and "\n" not in str(exc)


@FAST
@given(json_values)
def test_results_loader_gives_one_clear_error_for_any_json(data: Any) -> None:
    from audit.errors import InputFileError
    from audit.results import validate_results, verify_integrity

    try:
        verify_integrity(data, "r.json")
        validate_results(data, "r.json")
    except InputFileError as exc:
        assert str(exc).startswith("r.json: ") and "\n" not in str(exc)


# -- CSV neutralisation ----------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
formula_text = st.one_of(
    st.text(max_size=40),
    st.builds(lambda p, t: p + t, st.sampled_from(FORMULA_START), st.text(max_size=30)),
)


@FAST
@given(formula_text)
def test_csv_cell_defuses_every_formula_prefix(value: str) -> None:
    from reports.text import csv_cell

    out = csv_cell(value)
    if value.startswith(FORMULA_START):
        assert out == "'" + value
    else:
        assert out == value
    assert not str(out).startswith(FORMULA_START)


@FAST
@given(
    st.lists(
        st.lists(formula_text.filter(lambda s: "\r" not in s), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_csv_files_carry_no_live_formula(rows: list[list[str]]) -> None:
    """Written evidence.csv and findings.csv, read as a spreadsheet would: every cell defused.

    Values with a bare CR are left out here: that row-splitting bug is the strict xfail in
    test_hostile (``CR_SPLITS_ROWS``).
    """
    from test_hostile import spreadsheet_rows

    from reports.csv_tables import csv_bytes, evidence_frame, findings_frame

    width = max(len(r) for r in rows)
    check = {
        "id": rows[0][0],
        "title": rows[0][-1],
        "severity": "low",
        "status": "fail",
        "summary": rows[-1][0],
        "remediation": [rows[-1][-1]],
        "evidence": {
            "columns": [f"{c}{i}" for i, c in enumerate(rows[0] + [""] * width)][:width],
            "rows": [r + [""] * (width - len(r)) for r in rows],
            "source": rows[0][0],
        },
    }
    results = {"checks": [check]}
    for frame in (evidence_frame(results), findings_frame(results)):
        for row in spreadsheet_rows(csv_bytes(frame)):
            for cell in row:
                if cell.startswith(FORMULA_START):
                    try:
                        float(cell)
                    except ValueError:
                        raise AssertionError(f"live formula cell {cell!r}") from None
