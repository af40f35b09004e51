"""The record of every request attempt, redacted, for the snapshot.

Each attempt the client makes (including retries, failures and the OAuth token request)
becomes one :class:`RequestRecord`. What a record may hold is decided here, once:

- request headers are never recorded (they carry the credentials);
- response headers only from :data:`SAFE_HEADERS`;
- every secret value the recorder knows (password, API key / tenant code, client secret,
  access tokens, added as they are obtained, and values of secret fields such as
  ``password`` found in answers), in every encoding (:mod:`audit.redact`), is replaced by
  ``[REDACTED]`` wherever it appears in a recorded string: path, query, body (every decoded
  string of parsed JSON, keys too, or the text), error; so is any query value whose name
  marks it as a credential (:data:`SECRET_PARAMS`);
- token requests are recorded with status and timing only, never their body.

Redaction runs when a record is made and again on :meth:`Recorder.to_list`, so a secret
learnt later (a refreshed token) is also scrubbed from earlier records.

The recorder belongs to the collector, which hands it to the client. A hook set for a
purpose (:attr:`Recorder.hooks`) sees each record of that purpose as it is made, and may
return it changed: that is how a record is trimmed to what the audit reads
(``audit/trim.py``) before it is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from audit.redact import REDACTED, Redactor, register_secret

#: A SyncML item whose target is a password node (e.g. the Accounts CSP's
#: ./Device/Vendor/MSFT/Accounts/Users/<name>/Password): its <Data> is the local admin's
#: password, set by the tenant's own profile. It is tenant data, but a secret all the same.
#: A text cut off inside the <Data> (a truncated, non-JSON answer is kept as text) has the
#: rest of the text redacted: no prefix of the password survives either.
_SYNCML_SECRET_DATA = re.compile(
    r"(?P<head>(?:<|&lt;)LocURI(?:>|&gt;)[^<&]*(?:password|secret|pin)[^<&]*(?:<|&lt;)/LocURI(?:>|&gt;)"
    r"(?:(?!(?:<|&lt;)/Item(?:>|&gt;)).)*?(?:<|&lt;)Data(?:>|&gt;))(?P<data>.*?)(?P<tail>(?:<|&lt;)/Data(?:>|&gt;)|\Z)",
    re.IGNORECASE | re.DOTALL,
)
#: Response headers worth keeping: versions, quota, correlation, type, retry hints.
SAFE_HEADERS = (
    "x-api-version",
    "api-supported-versions",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-correlation-id",
    "content-type",
    "retry-after",
)
#: Query parameters whose values are credentials whatever they contain.
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "aw-tenant-code",
        "client_secret",
        "password",
        "tenant_code",
        "token",
    }
)
#: JSON keys whose values are secrets whatever they hold: the Drop Ship staging account's
#: password, sent in clear text by ``GET /system/groups/{uuid}/dropship-provisioning``
#: (and any other answer's ``password`` field). Redacted by field name when a record is
#: made, before any other redaction knows the value, and then learnt as a secret of the
#: run (see :meth:`Recorder.learn_tenant_secrets`).
SECRET_FIELDS = frozenset({"password"})
#: Whether a raw JSON text may hold such a field (an escaped key is not seen: ``\u`` too).
_SECRET_FIELD_RAW = re.compile(rb'"password"|\\u', re.IGNORECASE)
#: The same field in a text body (an answer cut off mid-way is kept as text): its value is
#: redacted up to its closing quote, or to the end of a text cut off inside it.
_SECRET_FIELD_TEXT = re.compile(
    r'(?P<head>"password"\s*:\s*")(?P<value>(?:[^"\\]|\\.)*)(?P<tail>"|\Z)', re.IGNORECASE
)
#: Longest text body kept for a non-JSON answer (an HTML error page, say).
MAX_TEXT_CHARS = 4000


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The allow-listed response headers, names in lower case."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in SAFE_HEADERS:
            out[low] = value
    return out


@dataclass(frozen=True)
class RequestRecord:
    """One request attempt as the snapshot keeps it (already redacted)."""

    seq: int
    purpose: str
    method: str
    path: str
    query: dict[str, Any]
    status: int | None
    served_version: str | None
    elapsed_ms: float
    body: Any
    attempt: int
    error: str | None
    headers: dict[str, str] = field(default_factory=dict)
    #: The API version asked for in ``Accept`` (None for external and token requests).
    version: int | None = None
    #: Why the body is text rather than JSON, when the answer was not valid JSON.
    json_error: str | None = None
    #: What trimming dropped from the body (``audit/trim.py``); None: nothing (not exported).
    trimmed: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Whether the attempt got a 2xx answer whose body was JSON (or empty)."""
        return 200 <= (self.status or 0) < 300 and not self.json_error

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-able dict (already redacted when it was made)."""
        # Shallow on purpose: bodies are shared, read-only, and can be large (asdict would
        # deep-copy every record of a 100,000-device collection).
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["trimmed"] is None:
            del out["trimmed"]
        return out


#: A record hook (:attr:`Recorder.hooks`): the record as made, and the record to keep.
RecordHook = Callable[[RequestRecord], RequestRecord]


def scrub_payload_secrets(value: Any) -> Any:
    """``value`` with the <Data> of SyncML password nodes replaced by [REDACTED].

    Only strings that hold such a node are copied; everything else is returned as it is.
    """
    if isinstance(value, str):
        if "Data" not in value:
            return value
        return _SYNCML_SECRET_DATA.sub(
            lambda m: m.group("head") + REDACTED + m.group("tail"), value
        )
    if isinstance(value, list):
        items = [scrub_payload_secrets(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = {k: scrub_payload_secrets(v) for k, v in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    return value


def redact_secret_fields(value: Any) -> tuple[Any, list[str]]:
    """``value`` with the value of every :data:`SECRET_FIELDS` key replaced by [REDACTED],
    and the secret values found (to learn). A text body has the field redacted in place
    (:data:`_SECRET_FIELD_TEXT`). Only what holds such a field is copied."""
    found: list[str] = []

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if "ssword" not in node and "SSWORD" not in node:
                return node

            def text(m: re.Match[str]) -> str:
                if m.group("tail") and m.group("value") not in ("", REDACTED):
                    try:  # the value as JSON text spells it: learn the value itself
                        found.append(str(json.loads(f'"{m.group("value")}"')))
                    except ValueError:
                        found.append(m.group("value"))
                return m.group("head") + REDACTED + m.group("tail")

            return _SECRET_FIELD_TEXT.sub(text, node)
        if isinstance(node, list):
            items = [walk(v) for v in node]
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        if isinstance(node, dict):
            out: dict[Any, Any] = {}
            for key, item in node.items():
                if str(key).casefold() in SECRET_FIELDS and item is not None:
                    if item not in ("", REDACTED):
                        found.append(str(item))
                    out[key] = REDACTED
                else:
                    out[key] = walk(item)
            return node if all(out[k] is node[k] for k in node) else out
        return node

    return walk(value), found


class Recorder:
    """Collects :class:`RequestRecord` items and scrubs secrets from them.

    Redaction is a :class:`~audit.redact.Redactor` (every encoding of every secret, on the
    decoded values of each body); ``redactor`` may be shared, e.g. the one built from the
    config's secrets. Values found in an answer under a secret field name (``password``,
    ...) are redacted there and learnt as secrets, here and process-wide.
    """

    def __init__(
        self, secrets: Iterable[str | None] = (), *, redactor: Redactor | None = None
    ) -> None:
        self.records: list[RequestRecord] = []
        #: Purpose -> the hook that sees (and may replace) each record of that purpose.
        self.hooks: dict[str, RecordHook] = {}
        self.redactor = redactor if redactor is not None else Redactor()
        self._made_at: list[int] = []
        self.add_secrets(*secrets)

    def add_secrets(self, *values: str | None) -> None:
        """Learn more secret values (empty values are ignored)."""
        self.redactor.add(*values)

    def learn_tenant_secrets(self, *values: str) -> None:
        """Secrets the tenant's own answers revealed (the Drop Ship staging password): from
        now on they are redacted wherever they appear in a record (earlier records again
        on export) and in every line ws1-audit prints (``audit.redact``). A mask (one
        character repeated, ``********``) is no secret and is not learnt."""
        real = [v for v in values if len(set(v)) > 1]
        self.add_secrets(*real)
        for value in real:
            register_secret(value)

    def redact(self, value: Any) -> Any:
        """``value`` with every known secret replaced, recursing into lists and dicts."""
        return self.redactor.redact(value)

    def raw_is_clean(self, raw: bytes) -> bool:
        """Whether the JSON text ``raw`` certainly holds no secret, nor does its parsed form."""
        return self.redactor.raw_is_clean(raw)

    def redact_query(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """Query parameters with credential-named values removed and secrets replaced."""
        out: dict[str, Any] = {}
        for key, value in query.items():
            out[self.redact(key)] = REDACTED if key.lower() in SECRET_PARAMS else self.redact(value)
        return out

    def record(
        self,
        *,
        purpose: str,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        status: int | None = None,
        served_version: str | None = None,
        elapsed_ms: float = 0.0,
        body: Any = None,
        attempt: int = 1,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
        version: int | None = None,
        json_error: str | None = None,
        raw: bytes | None = None,
    ) -> RequestRecord:
        """Append one attempt, redacted (and as its purpose's hook keeps it), and return it.

        ``raw`` is the body's JSON text as received, when ``body`` was parsed from it: a
        scan of it spares walking a large body that holds no secret.
        """
        clean_body = self._clean_body(body, raw)  # first: it may learn secrets
        rec = RequestRecord(
            seq=len(self.records) + 1,
            purpose=purpose,
            method=method,
            path=self.redact(path),
            query=self.redact_query(query or {}),
            status=status,
            served_version=served_version,
            elapsed_ms=round(elapsed_ms, 1),
            body=clean_body,
            attempt=attempt,
            error=self.redact(error) if error else None,
            headers={k: self.redact(v) for k, v in safe_headers(headers or {}).items()},
            version=version,
            json_error=self.redact(json_error) if json_error else None,
        )
        hook = self.hooks.get(purpose)
        if hook is not None:
            rec = hook(rec)
        self.records.append(rec)
        self._made_at.append(self.redactor.generation)
        return rec

    def _clean_body(self, body: Any, raw: bytes | None) -> Any:
        """A body as it may be recorded: text cut to :data:`MAX_TEXT_CHARS`, secret fields
        redacted (and learnt), every known secret replaced, SyncML password data scrubbed."""
        if isinstance(body, str) and len(body) > MAX_TEXT_CHARS:
            body = body[:MAX_TEXT_CHARS] + f"... [{len(body) - MAX_TEXT_CHARS} more characters]"
        if body is not None and (raw is None or _SECRET_FIELD_RAW.search(raw)):
            body, learnt = redact_secret_fields(body)  # text bodies cut off mid-way too
            if learnt:
                self.learn_tenant_secrets(*learnt)
                raw = None  # the body changed: walk it with the secrets now known
        if isinstance(body, dict | list):
            for found in self.redactor.learn(body, raw):
                register_secret(found)
        if raw is not None and isinstance(body, dict | list) and self.raw_is_clean(raw):
            clean_body = body
        else:
            clean_body = self.redact(body)
        if raw is None or b"<Data" in raw or b"&lt;Data" in raw or b"\\u003cData" in raw:
            clean_body = scrub_payload_secrets(clean_body)
        return clean_body

    def to_list(self) -> list[dict[str, Any]]:
        """Every record as a JSON-able dict, redacted again with every secret known now."""
        out = []
        for i, rec in enumerate(self.records):
            made_at = self._made_at[i] if i < len(self._made_at) else -1
            if made_at == self.redactor.generation:
                out.append(rec.to_dict())
                continue
            clean = replace(
                rec,
                path=self.redact(rec.path),
                query=self.redact_query(rec.query),
                body=self.redact(rec.body),
                error=self.redact(rec.error) if rec.error else None,
                json_error=self.redact(rec.json_error) if rec.json_error else None,
            )
            out.append(clean.to_dict())
        return out
