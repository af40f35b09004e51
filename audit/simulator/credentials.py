"""The simulated tenant's credentials: OAuth tokens issued, and the check of an API request's.

An API request authenticates with ``Authorization: Bearer <token>`` (a token from
``POST /connect/token``) or with Basic credentials plus the ``aw-tenant-code`` API key, as
the console asks. Secrets are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

from audit.simulator.calls import ApiError

__all__ = ["TokenStore", "authenticate", "basic_pair", "same"]


class TokenStore:
    """Issued OAuth tokens and their expiry (monotonic seconds)."""

    def __init__(self) -> None:
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, lifetime_s: float) -> str:
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._tokens = {t: e for t, e in self._tokens.items() if e > now}
            self._tokens[token] = now + lifetime_s
            self.issued += 1
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()


def authenticate(
    authorization: str, tenant_code: str, creds: Mapping[str, Any], tokens: TokenStore
) -> None:
    """Check an API request's ``Authorization`` and ``aw-tenant-code`` headers against the
    tenant's credentials ``creds`` (raises ApiError: 401, or 403 for a wrong API key)."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        if not tokens.valid(value.strip()):
            raise ApiError(401, "The access token is invalid or has expired.", 1005)
        return
    if scheme.lower() != "basic":
        raise ApiError(401, "Authentication is required.", 1005)
    user, sep, password = basic_pair(value)
    if not sep or not (same(user, creds["username"]) and same(password, creds["password"])):
        raise ApiError(401, "User credentials are invalid.", 1005)
    if not same(tenant_code, creds["tenant_code"]):
        raise ApiError(403, "The API key (aw-tenant-code) is invalid or missing.", 1013)


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), str(expected).encode("utf-8"))


def basic_pair(value: str) -> tuple[str, str, str]:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "", "", ""
    return decoded.partition(":")
