"""Fault injection for the simulator: which requests fail, and how.

A :class:`FaultPlan` is parsed from a compact spec (the ``--faults`` option of
``ws1-audit simulate``). Items are comma-separated; each is one rule::

    spec     := item ("," item)*
    item     := "v1only" | rule
    rule     := kind [scope] (":" rate | "@" n ("," n)*)
    kind     := CODE            4xx/5xx answered with the JSON error body
                                (429 also carries "Retry-After: 1")
              | "html" CODE     that status with an HTML body (a gateway's error page)
              | "drop"          the connection is closed without a response
              | "slow"          the answer is delayed by slow_s seconds (default 5)
              | "malformed"     200 with a truncated, invalid JSON body
              | "truncate"      the real answer's headers (full Content-Length), then half
                                the body, then the connection is closed
              | "short"         list answers lose their last row; the total stays (a page
                                with fewer rows than Total)
              | "extra"         every JSON object of the answer gets unexpected fields
                                (text, numbers, null, nested lists and objects)
              | "missing"       every JSON object of the answer keeps only its id fields
                                (Id, Uuid, ...); everything else is left out
              | "token" CODE    the OAuth token endpoint answers CODE (only these rules
                                ever touch /connect/token)
    scope    := "/" path prefix, e.g. "/api/mam/apps/internal" (case-insensitive)
    rate     := probability in [0, 1] per request
    n        := request number, counting API requests (/api/...) from 1; for token
                rules, counting token requests from 1

Examples: ``429:0.1``, ``503:0.05,502@3,7``, ``drop:0.05``, ``slow@2``, ``malformed@2``,
``401@1``, ``html503:0.1``, ``v1only``, ``503/api/mam/apps/internal:1.0``,
``token500:1.0``, ``truncate:0.1``, ``short/api/mdm/devices/search:1.0``, ``extra:1.0``,
``missing/api/system/info:1.0``.

The answer-changing kinds (malformed, truncate, short, extra, missing) act on API answers
with a body; elsewhere (discovery, a 204) the request is answered normally. Unscoped rules
apply to API requests only (never to the token endpoint or discovery); a
scoped rule applies to every request whose path starts with its prefix (so
``503/autodiscovery:1.0`` breaks the discovery service). The first matching rule wins.
Decisions are a pure function of (seed, rule, request number), so a run with the same
request order gets the same faults.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Fault", "FaultPlan", "FaultRule", "FaultSpecError"]

_RULE = re.compile(
    r"""^(?P<kind>drop|slow|malformed|truncate|short|extra|missing|html(?P<html>\d{3})|token(?P<token>\d{3})|(?P<code>\d{3}))
        (?P<scope>/[^:@]*)?
        (?::(?P<rate>[0-9]*\.?[0-9]+(?:[eE]-?\d+)?)|@(?P<at>\d+))$""",
    re.VERBOSE,
)


class FaultSpecError(ValueError):
    """The fault spec string is not in the grammar of :mod:`audit.simulator.faults`."""


@dataclass(frozen=True)
class FaultRule:
    """One parsed rule: what to do, and to which requests."""

    kind: str  # "status", "html", "drop", "slow", "malformed", "truncate", "short", "extra",
    # "missing", "token"
    status: int | None = None
    rate: float | None = None
    requests: frozenset[int] = frozenset()
    path_prefix: str | None = None
    text: str = ""

    def matches_path(self, path: str) -> bool:
        """Whether ``path`` is in this rule's scope (unscoped rules: API paths only)."""
        lowered = path.lower()
        if self.path_prefix is None:
            return lowered.startswith("/api/")
        return lowered.startswith(self.path_prefix)


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one request."""

    kind: str
    status: int | None = None
    rule: str = ""


def _uniform(seed: int, rule: int, number: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{rule}:{number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _parse_rule(text: str) -> FaultRule:
    match = _RULE.match(text)
    if match is None:
        raise FaultSpecError(
            f"bad fault {text!r}: expected KIND[:RATE|@N,...] with KIND one of "
            "CODE, htmlCODE, tokenCODE, drop, slow, malformed, truncate, short, extra, missing "
            "(e.g. '429:0.1', '502@3,7')"
        )
    status_text = match["code"] or match["html"] or match["token"]
    status = int(status_text) if status_text else None
    if status is not None and not 400 <= status <= 599:
        raise FaultSpecError(f"bad fault {text!r}: status must be 400-599, got {status}")
    if match["code"]:
        kind = "status"
    elif match["html"]:
        kind = "html"
    elif match["token"]:
        kind = "token"
    else:
        kind = match["kind"]
    scope = match["scope"]
    if scope is not None and kind == "token":
        raise FaultSpecError(f"bad fault {text!r}: token faults take no path scope")
    rate = None
    if match["rate"] is not None:
        rate = float(match["rate"])
        if not 0.0 <= rate <= 1.0:
            raise FaultSpecError(f"bad fault {text!r}: rate must be between 0 and 1")
    requests = frozenset({int(match["at"])}) if match["at"] is not None else frozenset()
    if match["at"] is not None and int(match["at"]) < 1:
        raise FaultSpecError(f"bad fault {text!r}: request numbers count from 1")
    prefix = scope.lower().rstrip("/") or "/" if scope else None
    return FaultRule(kind, status, rate, requests, prefix, text)


@dataclass
class FaultPlan:
    """Faults to inject, with the request counters that number API and token requests.

    Thread-safe. A plan counts the requests it is asked about, so installing a fresh plan
    (or calling :meth:`reset`) restarts the numbering used by ``@N`` rules.
    """

    rules: Sequence[FaultRule] = ()
    v1_only: bool = False
    seed: int = 0
    slow_s: float = 5.0
    spec: str = ""
    _api_count: int = field(default=0, init=False, repr=False, compare=False)
    _token_count: int = field(default=0, init=False, repr=False, compare=False)
    _other_count: int = field(default=0, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @classmethod
    def parse(cls, spec: str | None, *, seed: int = 0, slow_s: float = 5.0) -> FaultPlan:
        """Parse a spec such as ``"429:0.1,502@3,7,v1only"``; raises FaultSpecError."""
        rules: list[FaultRule] = []
        v1_only = False
        text = (spec or "").strip()
        for raw in (part.strip() for part in text.split(",")) if text else ():
            if not raw:
                raise FaultSpecError(f"bad fault spec {spec!r}: empty item")
            if raw.lower() == "v1only":
                v1_only = True
            elif raw.isdigit() and rules and rules[-1].requests:
                last = rules[-1]  # "502@3,7": a bare number continues the previous list
                if int(raw) < 1:
                    raise FaultSpecError(f"bad fault spec {spec!r}: request numbers count from 1")
                rules[-1] = FaultRule(
                    last.kind,
                    last.status,
                    None,
                    last.requests | {int(raw)},
                    last.path_prefix,
                    f"{last.text},{raw}",
                )
            else:
                rules.append(_parse_rule(raw.lower()))
        if slow_s < 0:
            raise FaultSpecError("slow_s must not be negative")
        return cls(tuple(rules), v1_only=v1_only, seed=seed, slow_s=slow_s, spec=text)

    def __bool__(self) -> bool:
        return bool(self.rules) or self.v1_only

    def reset(self) -> None:
        """Restart request numbering from 1."""
        with self._lock:
            self._api_count = self._token_count = self._other_count = 0

    @property
    def api_requests(self) -> int:
        """API requests seen so far."""
        return self._api_count

    def _pick(self, number: int, path: str | None, numbered: bool) -> Fault | None:
        for index, rule in enumerate(self.rules):
            if rule.kind == "token":
                if path is not None:
                    continue
            elif path is None or not rule.matches_path(path):
                continue
            if rule.requests:
                hit = numbered and number in rule.requests
            else:
                hit = _uniform(self.seed, index, number) < (rule.rate or 0.0)
            if hit:
                return Fault(rule.kind, rule.status, rule.text)
        return None

    def for_request(self, path: str) -> Fault | None:
        """The fault for the next request to ``path`` (not the token endpoint), or None."""
        is_api = path.lower().startswith("/api/")
        with self._lock:
            if is_api:
                self._api_count += 1
                number = self._api_count
            else:
                self._other_count += 1
                number = -self._other_count  # a separate stream of draws
        return self._pick(number, path, numbered=is_api)

    def for_token(self) -> Fault | None:
        """The fault for the next token request, or None."""
        with self._lock:
            self._token_count += 1
            number = self._token_count
        return self._pick(number, None, numbered=True)
