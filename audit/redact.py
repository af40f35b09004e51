"""Redaction of secret values, in every encoding they take, from anything kept or printed.

A :class:`Redactor` knows secret values (the password, the API key, the OAuth client
secret, ``base64(user:password)``, the access tokens obtained, and values found in
answers under a secret field name such as ``password``) and every form each one takes:

- raw, and with surrounding white space stripped (a CRLF env file leaves a ``\\r``);
- URL-encoded (``%20`` and ``+`` for a space, ``%2F`` or ``/``, upper- and lower-case hex);
- JSON-escaped (``\\uXXXX`` or raw non-ASCII, ``/`` or PHP's ``\\/``);
- base64 (standard and URL-safe, with and without padding);
- Python ``repr`` with escapes (what a ``--debug`` traceback shows);
- UTF-16 and UTF-32 (as bytes in a raw answer, and as text when such bytes were read as
  Latin-1).

Answers are redacted on their *decoded* values (every string of the parsed body, keys
too, recursively: :meth:`Redactor.redact`), so no escape in the raw text hides a secret;
:meth:`Redactor.raw_is_clean` only spares that walk when the raw bytes prove there is
nothing to find. Text (error messages, non-JSON bodies, every output file written through
:func:`audit.fileio.write_atomic`) is scrubbed with :meth:`Redactor.scrub`.

:data:`PROCESS` is the process-wide redactor: every line printed (:func:`printable`) and
file written is scrubbed with it. Each config builds one redactor of its tenant
(``config.redactor``, a child of :data:`PROCESS`: whatever it learns, :data:`PROCESS` learns
too) with every secret of the config; the collection's recorder is handed that one and
learns the tokens and the secrets found in answers into it, so the snapshot, the results
and every printed error know the same secrets. :func:`register_secret` teaches
:data:`PROCESS` alone (a token of a client built without a config).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
#: Secrets at least this long are replaced wherever they occur inside a string; shorter
#: ones only where a whole value equals them (a two-letter password inside every string
#: would destroy the record without protecting anything).
MIN_SUBSTRING = 4
#: Field names whose string values are secrets wherever an answer holds them (compared
#: case-insensitively): the value is redacted and learnt as a secret for everything else.
SECRET_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "aw-tenant-code",
        "tenant_code",
    }
)
_SECRET_FIELD_BYTES = tuple(f'"{f}"'.encode() for f in sorted(SECRET_FIELDS))
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _url_forms(secret: str) -> set[str]:
    forms = {
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="/"),
    }
    return forms | {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), f) for f in forms}


def _json_forms(secret: str) -> set[str]:
    forms = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return forms | {f.replace("/", "\\/") for f in forms}


def _base64_forms(secret: str) -> set[str]:
    data = secret.encode("utf-8", "surrogatepass")
    forms = {base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()}
    return forms | {f.rstrip("=") for f in forms}


def text_forms(secret: str) -> set[str]:
    """Every text form of ``secret`` worth looking for (at least :data:`MIN_SUBSTRING` long)."""
    forms = {secret, repr(secret)[1:-1], ascii(secret)[1:-1]}
    forms |= _url_forms(secret) | _json_forms(secret) | _base64_forms(secret)
    for encoding in _WIDE:
        forms.add(secret.encode(encoding, "surrogatepass").decode("latin-1"))
    return {f for f in forms if len(f) >= MIN_SUBSTRING}


def byte_forms(secret: str) -> set[bytes]:
    """The forms of ``secret`` as they can appear in a raw answer's bytes."""
    found = {f.encode("utf-8", "surrogatepass") for f in text_forms(secret)}
    found |= {secret.encode(e, "surrogatepass") for e in _WIDE}
    return {f for f in found if len(f) >= MIN_SUBSTRING}


class Redactor:
    """Secret values and their forms; replaces them with ``[REDACTED]`` in text and data."""

    def __init__(
        self, secrets: Iterable[str | None] = (), *, parent: Redactor | None = None
    ) -> None:
        self._lock = threading.Lock()
        #: Learns every secret this one learns (a tenant's redactor teaches :data:`PROCESS`).
        self.parent = parent
        self._secrets: set[str] = set()
        self._short: frozenset[str] = frozenset()
        self._patterns: tuple[str, ...] = ()
        self._needles: tuple[bytes, ...] = ()
        #: Bumped whenever a secret is learnt (records made earlier are re-scrubbed).
        self.generation = 0
        self.add(*secrets)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def add(self, *values: str | None) -> list[str]:
        """Learn secret values (empty ones are ignored); return those that were new."""
        new: list[str] = []
        with self._lock:
            for value in values:
                if not isinstance(value, str):
                    continue
                for candidate in {value, value.strip()}:
                    if candidate and candidate not in self._secrets:
                        self._secrets.add(candidate)
                        new.append(candidate)
            if new:
                self._rebuild()
        if new and self.parent is not None:
            self.parent.add(*new)
        return new

    def add_pair(self, username: str, password: str) -> None:
        """Learn ``base64(user:password)`` too: it is what Basic auth sends."""
        pair = f"{username}:{password}".encode("utf-8", "surrogatepass")
        self.add(base64.b64encode(pair).decode("ascii"))

    def _rebuild(self) -> None:
        forms: set[str] = set()
        needles: set[bytes] = set()
        for secret in self._secrets:
            forms |= text_forms(secret)
            needles |= byte_forms(secret)
            if len(secret) < MIN_SUBSTRING:  # short ones only as a whole JSON value
                needles.add(json.dumps(secret, ensure_ascii=False).encode())
        self._patterns = tuple(sorted(forms, key=len, reverse=True))
        self._needles = tuple(sorted(needles, key=len, reverse=True))
        self._short = frozenset(s for s in self._secrets if len(s) < MIN_SUBSTRING)
        self.generation += 1

    def learn(self, body: Any, raw: bytes | None = None) -> list[str]:
        """Learn the string values of :data:`SECRET_FIELDS` in ``body``; return the new ones.

        ``raw`` (the body's bytes, when it was parsed from UTF-8 JSON) spares the walk when no
        such field name occurs in it.
        """
        if raw is not None and b"\x00" not in raw[:4] and b"\\u" not in raw:
            low = raw.lower()  # a quoted field name must occur for there to be such a field
            if not any(name in low for name in _SECRET_FIELD_BYTES):
                return []
        found: list[str] = []
        stack = [body]
        while stack:
            item = stack.pop()
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if isinstance(value, str) and str(key).casefold() in SECRET_FIELDS:
                        if value != REDACTED and len(set(value)) > 1:  # a mask is no secret
                            found.append(value)
                    elif isinstance(value, list | tuple | dict):
                        stack.append(value)
            elif isinstance(item, list | tuple):
                stack.extend(v for v in item if isinstance(v, list | tuple | dict))
        return self.add(*found)

    def scrub(self, text: str) -> str:
        """``text`` with every form of every secret replaced by ``[REDACTED]``."""
        if text in self._short:
            return REDACTED
        for pattern in self._patterns:
            if pattern in text:
                text = text.replace(pattern, REDACTED)
        return text

    def raw_is_clean(self, raw: bytes) -> bool:
        """Whether the JSON bytes ``raw`` certainly hold no secret, decoded or not.

        Only UTF-8 text without a single escape qualifies (a ``\\u`` or ``\\/`` could spell
        a secret a byte scan cannot see, and UTF-16/32 text is not UTF-8); for anything
        else the caller redacts the decoded values.
        """
        if b"\\" in raw or b"\x00" in raw[:4]:
            return False
        return not any(needle in raw for needle in self._needles)

    def redact(self, value: Any) -> Any:
        """``value`` with every secret replaced, in every string, keys included, recursively.

        A list or dict with no secret in it is returned as it is (not copied): bodies are
        shared with the client's responses and must be treated as read-only.
        """
        if not self._secrets:
            return value
        if isinstance(value, list | tuple | dict):
            # One scan of the decoded strings, serialised, decides whether a walk is needed
            # (JSON escaping is per character, so a secret in a string shows as its escape).
            text = json.dumps(value, ensure_ascii=False, default=str)
            if not any(p in text for p in self._patterns) and not self._has_short(value):
                return value
        return self._walk(value)

    def _has_short(self, value: Any) -> bool:
        if not self._short:
            return False
        if isinstance(value, str):
            return value in self._short
        if isinstance(value, list | tuple):
            return any(self._has_short(v) for v in value)
        if isinstance(value, dict):
            return any(self._has_short(k) or self._has_short(v) for k, v in value.items())
        return False

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list | tuple):
            return [self._walk(item) for item in value]
        if isinstance(value, dict):
            return {self._walk(str(k)): self._walk(v) for k, v in value.items()}
        return value


#: Every secret this process knows, for everything it prints and writes.
PROCESS = Redactor()


def register_secret(value: str | None) -> None:
    """Remember a secret value process-wide (every form of it is scrubbed from output)."""
    PROCESS.add(value)


def scrub(text: str) -> str:
    """``text`` with every process-wide secret, in every form, replaced by [REDACTED]."""
    return PROCESS.scrub(text)


_LINE_BREAKS = re.compile("[\n\u2028\u2029]")


def printable(text: Any) -> str:
    """One line safe for a terminal or a log: secrets redacted, then control and bidi
    characters (newlines included) shown as ``[U+XXXX]``, the rule reports follow
    (:func:`reports.text.visible`). Every line ws1-audit prints goes through this."""
    from reports.text import visible  # here: reports imports audit.fileio, which imports this

    clean = visible(scrub(str(text)))
    return _LINE_BREAKS.sub(lambda m: f"[U+{ord(m.group()):04X}]", clean)


#: What JSON may carry raw but a terminal would act on: DEL, C1 controls (CSI is U+009B),
#: bidi controls and line separators. JSON escapes the C0 controls itself.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def printable_json(text: str) -> str:
    """JSON text with secrets redacted and terminal-active characters as ``\\uXXXX``
    escapes: the same JSON to a parser, inert on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", scrub(text))
