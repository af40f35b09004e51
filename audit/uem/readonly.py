"""The read-only policy: what the client may send to the tenant, decided in one place.

The client sends GET, and POST only to the searches of the endpoint catalogue that read
(:data:`READ_ONLY_POSTS`: UEM answers some searches by POST). Any other method or POST
target is refused with :class:`ReadOnlyViolation` before a request is built
(:meth:`audit.uem.client.UEMClient._send`) and, on the HTTP client the UEM client creates,
once more by an httpx request hook that sees every request, including the OAuth token POST
(the only other POST allowed, :func:`allowed`). The tool never writes to the tenant.
"""

from __future__ import annotations

import re

import httpx

from audit.errors import ApiError
from audit.uem import catalogue

#: The only POST requests sent to the tenant: the catalogue's searches that read (the v3
#: profile search). Matched against the whole URL path, case-insensitively.
READ_ONLY_POSTS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(
        re.escape(catalogue.API_ROOT)
        + r"(?:/v\d+)?"
        + re.escape(e.path[len(catalogue.API_ROOT) :])
        + "/?",
        re.IGNORECASE,
    )
    for e in catalogue.read_only_posts()
)


class ReadOnlyViolation(ApiError):
    """A request that could change the tenant was asked for; nothing was sent."""


def is_read_only(method: str, path: str) -> bool:
    """Whether ``method`` on URL path ``path`` only reads: GET, or a known POST search."""
    verb = method.upper()
    if verb == "GET":
        return True
    return verb == "POST" and any(p.fullmatch(path) for p in READ_ONLY_POSTS)


def allowed(method: str, url: httpx.URL, token_url: str | None) -> bool:
    """What the HTTP client may send: a read (:func:`is_read_only`), or the POST to the
    OAuth token URL ``token_url`` (scheme, host, port and path all equal)."""
    if is_read_only(method, url.path):
        return True
    if method.upper() == "POST" and token_url:
        token = httpx.URL(token_url)
        return (url.scheme, url.host, url.port, url.path) == (
            token.scheme,
            token.host,
            token.port,
            token.path,
        )
    return False


def refused(method: str, where: str, *, asked: bool = True) -> ReadOnlyViolation:
    """The error for a refused request: ``asked`` through the client's API (nothing was
    sent), or seen by the HTTP client's request hook."""
    return ReadOnlyViolation(
        f"{method} {where} refused: ws1-audit only reads from the tenant "
        "(GET and known POST searches)" + ("; nothing was sent" if asked else ""),
        endpoint=where,
    )
