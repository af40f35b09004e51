"""One entry of the endpoint catalogue (``audit/uem/catalogue.py``): what it names, and how.

:class:`Endpoint` is the record, :func:`refs`, :func:`models` and :func:`rest_read` help
spell its fields; :func:`markdown_table` renders entries as the table of
``docs/collection.md``. The entries themselves are in the catalogue's area modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Paging = Literal["v1", "snake"]
Scope = Literal["", "og_id", "og_uuid", "item"]

_EMPTY: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One request kind the tool makes (the fields' use: ``audit/uem/catalogue.py``)."""

    purpose: str
    path: str
    #: What it reads, for messages ("the organization group's tags").
    reads: str
    versions: tuple[int, ...] = (1,)
    method: str = "GET"
    #: Query parameters sent, values are templates (``"{og_id}"``) or constants.
    query: Mapping[str, str] = field(default_factory=dict)
    #: List envelope keys, in order of preference; ``("",)`` for a bare JSON array.
    items: tuple[str, ...] = ()
    #: Id keys of a row (of the list, or of the object itself).
    ids: tuple[str, ...] = ()
    #: Keys a row refers to other things by (``"og"``: the owning OG, ...).
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)
    paging: Paging | None = None
    frames: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    #: What the path and query need: the OG's id or UUID, or one item (``per_item``).
    scope: Scope = ""
    #: Recorded once per item as ``purpose:{item}``.
    per_item: bool = False
    #: Vendor response model (``components.schemas``) per version served.
    models: Mapping[int, str] = field(default_factory=dict)
    #: Why a version has no response schema in the vendor's documents.
    undocumented: Mapping[int, str] = field(default_factory=dict)
    #: Why the endpoint is not in the vendor's UEM OpenAPI at all (None: it is).
    not_uem: str | None = None
    #: The admin role permission that lets the API account read it.
    permission: str = ""
    #: A hook of ``audit.trim.HOOKS`` applied to its successful records.
    trim: str | None = None
    #: Called by the collector (False: allowed, e.g. a read-only POST search for plugins).
    collected: bool = True
    #: One line for docs/collection.md.
    notes: str = ""

    @property
    def label(self) -> str:
        """``"GET /api/mdm/tags/search"``: how gaps and evidence name the endpoint."""
        return f"{self.method} {self.path}"

    def url_path(self, **values: object) -> str:
        """The path with its ``{placeholders}`` filled from ``values``."""
        return _fill(self.path, values)

    def params(self, **values: object) -> dict[str, str]:
        """The query parameters with their templates filled from ``values``."""
        return {k: _fill(v, values) for k, v in self.query.items()}

    def ref(self, name: str) -> tuple[str, ...]:
        """The keys of reference ``name`` (empty when the entry has none)."""
        return self.refs.get(name, ())

    def item_purpose(self, item: object) -> str:
        """The recorded purpose of one item of a per-item entry (``"smart_group:12"``)."""
        return f"{self.purpose}:{item}"


def refs(**keys: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    """An entry's ``refs``: reference name -> the keys a row refers to it by."""
    return MappingProxyType(dict(keys))


def models(**by_version: str) -> Mapping[int, str]:
    """An entry's ``models`` from ``v1="Model"`` keywords."""
    return MappingProxyType({int(k.lstrip("v")): v for k, v in by_version.items()})


def rest_read(area: str) -> str:
    """The admin role permission that reads an area of the REST API ("REST API Apps Read")."""
    return f"REST API {area} Read"


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def _fill(template: str, values: Mapping[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def markdown_table(entries: Iterable[Endpoint]) -> str:
    """The catalogue as the table of ``docs/collection.md``."""
    head = (
        "| purpose | request | versions asked | envelope / ids | paging | feeds | vendor model "
        "| notes |\n|---|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for e in entries:
        name = f"`{e.purpose}:{{item}}`" if e.per_item else f"`{e.purpose}`"
        query = "&".join(f"{k}={v}" for k, v in e.query.items())
        request = f"`{e.label}{'?' + query if query else ''}`"
        versions = ", ".join(str(v) for v in e.versions) or "none"
        shape = ", ".join(
            [f"`{k}[]`" if k else "bare array" for k in e.items] + [f"id `{k}`" for k in e.ids]
        )
        paging = {"v1": "`page`, `pagesize`", "snake": "`page`, `page_size`", None: "no"}[e.paging]
        model = e.not_uem or ", ".join(f"v{v} `{m}`" for v, m in e.models.items())
        note = e.notes + ("" if e.collected else " (not collected)")
        rows.append(
            f"| {name} | {request} | {versions} | {shape or '-'} | {paging} | "
            f"{', '.join(e.frames) or '-'} | {model} | {note} |"
        )
    return "\n".join(rows)
