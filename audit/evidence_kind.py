"""What a check's result rests on: the *kind* of its evidence, derived by one rule.

Every report labels a check's evidence with its kind, so that a reader never takes an
attestation or a configuration value for something the API showed, nor a requirement that
nothing showed for a verified one. The kind is recorded in results.json as
``evidence.kind`` (optional in the schema: results written before it existed get it derived
here when rendered, by the same rule).

Kinds, with their labels:

- ``api`` (API): the UEM REST API; a source naming an ``/api/`` path or a GET/POST request.
- ``discovery`` (Discovery service): the public autodiscovery service; a source naming
  ``/autodiscovery/`` or ``discovery``.
- ``config`` (Configuration): the config file; a source starting with ``config``.
- ``attestation`` (Attestation): a person's recorded statement; source ``attestation``,
  or a check that carries an attestation record.
- ``none``: nothing automated; source ``none``, empty, or anything else (the check's own
  code when it crashed, the plugin loader). Its label says what that means for the status:
  "None: a person must confirm" (manual), "None: not applicable (skipped)", "None: the
  check could not decide" (error), else "None".

The rule: ``source`` is split at commas and semicolons and each part is classified in the
order above (discovery first: a discovery URL is also a GET; a config key that mentions
the API host is still the config). The kinds found are joined with ``+`` in the order of
:data:`KINDS` (``api+attestation``, labelled "API + Attestation"); ``none`` only stands
alone.
"""

from __future__ import annotations

import re
from typing import Any

from audit.uem.catalogue import API_ROOT

KINDS = ("api", "discovery", "config", "attestation", "none")
LABELS = {
    "api": "API",
    "discovery": "Discovery service",
    "config": "Configuration",
    "attestation": "Attestation",
    "none": "None",
}
#: What "no evidence" means, by status: a manual check waits for a person, a skipped one
#: was not applicable, an errored one could not decide.
NONE_LABELS = {
    "manual": "None: a person must confirm",
    "skipped": "None: not applicable (skipped)",
    "error": "None: the check could not decide",
}
_PARTS = re.compile(r"[,;]")


def _part_kind(part: str) -> str:
    text = part.strip().lower()
    if "/autodiscovery/" in text or "discovery" in text:
        return "discovery"
    if text.startswith("config"):
        return "config"
    if "attestation" in text:
        return "attestation"
    if f"{API_ROOT}/" in text or text.startswith(("get ", "post ")):
        return "api"
    return "none"


def source_parts(source: Any) -> list[tuple[str, str]]:
    """Each part of a ``source`` with its kind, the request method dropped:
    ``"GET /a, /b; attestation"`` -> ``[("api", "/a"), ("api", "/b"), ("attestation", ...)]``."""
    out = []
    for part in _PARTS.split(str(source or "")):
        text = part.strip()
        if not text:
            continue
        method, _, rest = text.partition(" ")
        if method in ("GET", "POST") and rest.strip():
            text = rest.strip()
        out.append((_part_kind(part), text))
    return out


def derive_kind(source: Any, attested: bool = False) -> str:
    """The kind of evidence of ``source`` (plus ``attestation`` when ``attested``)."""
    found = {_part_kind(p) for p in _PARTS.split(str(source or ""))}
    if attested:
        found.add("attestation")
    kinds = [k for k in KINDS if k in found and k != "none"]
    return "+".join(kinds) or "none"


def kind_of(check: dict[str, Any]) -> str:
    """A results.json check's evidence kind: ``evidence.kind`` when recorded, else derived."""
    evidence = check.get("evidence") or {}
    recorded = evidence.get("kind")
    if isinstance(recorded, str) and all(k in KINDS for k in recorded.split("+")):
        return recorded
    return derive_kind(evidence.get("source"), bool(check.get("attestation")))


def label(kind: str) -> str:
    """``api+attestation`` as ``API + Attestation``; one kind as its label."""
    return " + ".join(LABELS.get(k, k) for k in kind.split("+"))


def label_of(check: dict[str, Any]) -> str:
    """The label of a results.json check's evidence kind (``none`` said by status)."""
    kind = kind_of(check)
    if kind == "none":
        return NONE_LABELS.get(str(check.get("status")), LABELS["none"])
    return label(kind)
