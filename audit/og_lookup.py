"""When the configured Drop Ship organization group cannot be found: one clear error.

A GroupId that matches no organization group the API account sees is a configuration
error (exit 3) that names what the account does see, not fourteen findings cascading
from a missing OG. A 403 with UEM errorCode 6019 on the OG search means the account has
no access to that OG (``UEM_API.md``: "User does not have access to organization group").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from audit.errors import AuthenticationError, CollectionError, ConfigError
from audit.uem import shapes
from audit.uem.catalogue import entry

#: GroupIds named in the error, at most.
SHOWN = 12
#: UEM's errorCode of a 403 "User does not have access to organization group".
NO_ACCESS_CODE = 6019
OG_SEARCH, OG_LIST = entry("og_search"), entry("og_list")


def no_access(group_id: str) -> AuthenticationError:
    """The error for a 403 errorCode 6019 on the OG search: no access to that OG."""
    return AuthenticationError(
        f"the API account has no access to organization group '{group_id}' ({OG_SEARCH.label} "
        f"answered 403, errorCode {NO_ACCESS_CODE}): give the account access to it, or set "
        "dropship.organization_group to a GroupId it can see",
        endpoint=OG_SEARCH.label,
        status=403,
    )


async def not_found(client: Any, source: str, group_id: str, near: Iterable[Any]) -> ConfigError:
    """The error for a GroupId no OG has, naming the GroupIds the account sees: the near
    matches of the search (it matches substrings), else the first page of every OG."""
    seen = _group_ids(near)
    if not seen:
        try:
            response = await client.get(
                OG_LIST.path,
                params={"page": 0, "pagesize": 500},
                version=OG_LIST.versions[0],
                purpose=OG_LIST.purpose,
            )
            seen = _group_ids(shapes.items_of(response.body, OG_LIST.items) or [])
        except CollectionError:
            seen = []
    if seen:
        more = f" (and {len(seen) - SHOWN} more)" if len(seen) > SHOWN else ""
        sees = ", ".join(f"'{g}'" for g in seen[:SHOWN]) + more
    else:
        sees = "no organization group at all"
    return ConfigError(
        source,
        "dropship.organization_group",
        f"no organization group has the GroupId '{group_id}'; the API account sees: {sees}",
    )


def _group_ids(rows: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for row in rows:
        if isinstance(row, Mapping):
            value = shapes.get(row, "GroupId", "group_id")
            if isinstance(value, str) and value.strip() and value not in out:
                out.append(value)
    return out
