"""What the answer-changing faults do to an answer's body (``short``, ``extra``, ``missing``).

The plan (:mod:`.faults`) decides which request gets which fault; the handler applies
``malformed`` and ``truncate`` on the wire, and these functions the others, to the JSON
body the endpoint answered.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BODY_FAULTS", "MUTATIONS"]

#: Faults that change (or cut) the real answer rather than replace it.
BODY_FAULTS = frozenset({"malformed", "truncate", "short", "extra", "missing"})
#: Fields every object keeps under the "missing" fault (ids, and the v1 ``{"Value": n}``).
_ID_FIELDS = frozenset({"id", "uuid", "value", "smartgroupid", "groupid"})
_ID_SUFFIXES = ("id", "uuid")
#: Paging metadata: never the item list (mirrors ``audit.uem.shapes``).
_ENVELOPE_META = frozenset(
    {"page", "pagesize", "page_size", "total", "totalresults", "total_count", "additionalinfo"}
)
_EXTRA_FIELDS: dict[str, Any] = {
    "ExtraText": "unexpected <b>field</b>",
    "extra_number": 1.5,
    "ExtraNull": None,
    "ExtraFlag": True,
    "ExtraList": [1, "two", None, {"Deep": []}],
    "ExtraObject": {"Nested": {"Deeper": [True, {"Value": "x"}]}},
}


def _short(body: Any) -> Any:
    """The answer with the last row of its item list left out (totals unchanged)."""
    if isinstance(body, list):
        return body[:-1]
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, list) and key.lower() not in _ENVELOPE_META:
                return {**body, key: value[:-1]}
    return body


def _extra(body: Any) -> Any:
    """Every object of the answer with :data:`_EXTRA_FIELDS` added after its own fields."""
    if isinstance(body, list):
        return [_extra(item) for item in body]
    if isinstance(body, dict):
        out = {key: _extra(value) for key, value in body.items()}
        for key, value in _EXTRA_FIELDS.items():
            out.setdefault(key, json.loads(json.dumps(value)))
        return out
    return body


def _missing(body: Any) -> Any:
    """Every object of the answer reduced to its id fields and its lists."""
    if isinstance(body, list):
        return [_missing(item) for item in body]
    if isinstance(body, dict):
        return {
            key: _missing(value)
            for key, value in body.items()
            if key.lower() in _ID_FIELDS
            or key.lower().endswith(_ID_SUFFIXES)
            or isinstance(value, list)
        }
    return body


MUTATIONS = {"short": _short, "extra": _extra, "missing": _missing}
