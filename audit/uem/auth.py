"""Authentication for the UEM REST API: Basic with API key, or OAuth client credentials.

An :class:`Auth` hands the client the headers for each request and, for OAuth, the chance
to refresh a token the server refused. Both kinds tell the client their secret values so
that the :class:`~audit.uem.recorder.Recorder` scrubs them from everything it records;
OAuth adds each access token as soon as it is obtained.

OAuth (SaaS only, ``UEM_API.md`` "Authentication"): ``POST`` form
``grant_type=client_credentials&client_id=...&client_secret=...`` to the regional token
URL, through the same ``httpx.AsyncClient`` as the API calls. The token is cached and
fetched again ``refresh_margin_s`` before ``expires_in`` runs out (3600 s when the answer
omits it); an ``asyncio.Lock`` makes many requests starting together share one fetch. A
token endpoint that cannot be reached, or answers anything but a token, is an
:class:`~audit.errors.AuthenticationError` naming the URL and the OAuth error code, never
the secret.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from audit.errors import AuthenticationError, ConfigError
from audit.fileio import loads_strict
from audit.redact import Redactor, register_secret, scrub
from audit.uem.recorder import Recorder
from audit.uem.wire import TooLarge, fetch_capped, tls_failure

if TYPE_CHECKING:
    from audit.config import Config

#: Token lifetime assumed when the token answer has no ``expires_in``.
DEFAULT_TOKEN_LIFETIME_S = 3600.0
TOKEN_PURPOSE = "oauth_token"
#: A token answer is a few hundred bytes; anything past this is not one.
MAX_TOKEN_ANSWER_BYTES = 1 << 20


@dataclass
class AuthContext:
    """What an :class:`Auth` may use: the client's HTTP client, recorder and clock."""

    http: httpx.AsyncClient
    recorder: Recorder | None = None
    timeout_s: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Auth:
    """Base of the authentication schemes; subclasses override :meth:`headers`."""

    #: The OAuth token URL, the only other server the client may POST to (None: none).
    token_url: str | None = None
    #: Token requests that obtained a token (failed attempts are not counted).
    token_fetches: int = 0

    async def headers(self, ctx: AuthContext) -> dict[str, str]:
        """The request headers that authenticate one API call."""
        raise NotImplementedError

    async def refresh(self, ctx: AuthContext, used: Mapping[str, str]) -> bool:
        """React to a 401 on a call made with headers ``used``.

        Returns True when new credentials are in place and one retry is worth making.
        """
        return False

    def secret_values(self) -> list[str]:
        """Every secret this scheme holds, for redaction."""
        return []


class BasicAuth(Auth):
    """``Authorization: Basic`` plus the REST API key in ``aw-tenant-code``."""

    def __init__(self, username: str, password: str, tenant_code: str) -> None:
        self.username = username
        self._password = password
        self._tenant_code = tenant_code
        pair = f"{username}:{password}".encode()
        self._authorization = "Basic " + base64.b64encode(pair).decode("ascii")

    async def headers(self, ctx: AuthContext) -> dict[str, str]:
        return {"Authorization": self._authorization, "aw-tenant-code": self._tenant_code}

    def secret_values(self) -> list[str]:
        # The encoded header too: a server echoing request headers must not leak it.
        return [self._password, self._tenant_code, self._authorization.split(" ", 1)[1]]

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, <secrets redacted>)"


class OAuthClientCredentials(Auth):
    """OAuth 2.0 client credentials: a cached bearer token, refreshed before it expires."""

    token_url: str

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        tenant_code: str | None = None,
        refresh_margin_s: float = 60,
        clock: Callable[[], float] = time.monotonic,
        retries: int = 2,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._tenant_code = tenant_code
        self.refresh_margin_s = refresh_margin_s
        self.clock = clock
        self.retries = retries
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.token_fetches = 0

    def __repr__(self) -> str:
        url, client = self.token_url, self.client_id
        return f"OAuthClientCredentials({url!r}, client_id={client!r}, <secrets redacted>)"

    def secret_values(self) -> list[str]:
        values = [self._client_secret]
        if self._tenant_code:
            values.append(self._tenant_code)
        if self._token:
            values.append(self._token)
        return values

    async def headers(self, ctx: AuthContext) -> dict[str, str]:
        token = await self._valid_token(ctx)
        out = {"Authorization": f"Bearer {token}"}
        if self._tenant_code:
            out["aw-tenant-code"] = self._tenant_code
        return out

    async def refresh(self, ctx: AuthContext, used: Mapping[str, str]) -> bool:
        """Fetch a new token unless another request already replaced the refused one."""
        refused = used.get("Authorization", "").removeprefix("Bearer ")
        async with self._lock:
            if self._token and self._token != refused and self._fresh():
                return True
            await self._fetch(ctx)
            return True

    def _fresh(self) -> bool:
        return self._token is not None and self.clock() < self._refresh_at

    async def _valid_token(self, ctx: AuthContext) -> str:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():  # another request may have fetched it meanwhile
                    await self._fetch(ctx)
        assert self._token is not None
        return self._token

    def _clean(self, text: str) -> str:
        """``text`` without any secret in any encoding (a token endpoint may echo the form
        it received, URL-encoded), on one line."""
        text = Redactor(self.secret_values()).scrub(scrub(text))
        return " ".join(text.split())[:300]

    async def _fetch(self, ctx: AuthContext) -> None:
        """One token, with a couple of retries on 429, 5xx and network errors."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        attempt = 0
        while True:
            attempt += 1
            t0 = time.perf_counter()
            status, problem, retryable = await self._post(ctx, form)
            elapsed = (time.perf_counter() - t0) * 1000
            if ctx.recorder is not None:
                ctx.recorder.record(
                    purpose=TOKEN_PURPOSE,
                    method="POST",
                    path=self.token_url,
                    status=status,
                    elapsed_ms=elapsed,
                    attempt=attempt,
                    error=problem or None,
                )
            if not problem:
                if self._token:
                    # Scrubbed from the snapshot and from anything printed (errors, --debug).
                    register_secret(self._token)
                    if ctx.recorder is not None:
                        ctx.recorder.add_secrets(self._token)
                return
            if not retryable or attempt > self.retries:
                message = f"OAuth token endpoint {self.token_url} {problem}"
                raise AuthenticationError(message, endpoint=self.token_url, status=status)
            await ctx.sleep(float(2 ** (attempt - 1)))

    async def _post(self, ctx: AuthContext, form: dict[str, str]) -> tuple[int | None, str, bool]:
        """One token request: ``(status, problem or "", whether to retry)``."""
        started = self.clock()
        try:
            request = ctx.http.build_request(
                "POST",
                self.token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=ctx.timeout_s,
            )
            # one deadline for the whole answer, and no more than a token answer needs
            resp = await fetch_capped(
                ctx.http,
                request,
                follow_redirects=False,
                timeout_s=ctx.timeout_s,
                max_bytes=MAX_TOKEN_ANSWER_BYTES,
            )
        except TooLarge as exc:
            return None, str(exc), False
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = self._clean(str(exc)) or type(exc).__name__
            retryable = (
                isinstance(exc, httpx.TransportError)
                and not isinstance(exc, httpx.UnsupportedProtocol)
                and tls_failure(exc) is None
            )
            return None, f"could not be reached ({type(exc).__name__}: {detail})", retryable
        return resp.status_code, *self._judge(resp, started)

    def _judge(self, resp: httpx.Response, started: float) -> tuple[str, bool]:
        """Store the token from a good answer; else the problem and whether to retry."""
        data: Any = None
        try:
            data = loads_strict(resp.content) if resp.content else None
        except ValueError:
            data = None
        if resp.status_code != 200:
            code = ""
            if isinstance(data, dict):
                code = str(data.get("error") or data.get("message") or "")
            elif resp.content and len(resp.content) < 200:
                code = resp.text
            reason = f": {self._clean(code)}" if code.strip() else ""
            retryable = resp.status_code == 429 or resp.status_code >= 500
            return f"answered {resp.status_code}{reason}", retryable
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            return "answered 200 without an access_token", False
        lifetime = DEFAULT_TOKEN_LIFETIME_S
        raw = data.get("expires_in")
        try:
            if raw is not None and float(raw) > 0:
                lifetime = float(raw)
        except (TypeError, ValueError):
            pass
        margin = min(self.refresh_margin_s, lifetime / 2)
        self._token = token
        self._refresh_at = started + lifetime - margin
        self.token_fetches += 1
        return "", False


def auth_from_config(config: Config) -> Auth:
    """The scheme ``[tenant] auth`` names, with secrets from ``config.secrets``.

    The values are validated already: whenever :func:`audit.config.parse_config` reads the
    secrets it requires the username (basic), or the client id and a token URL or region
    (oauth). A config read without its secrets (``need_secrets=False``) cannot
    authenticate: that is the one thing checked here.
    """
    tenant, secrets = config.tenant, config.secrets
    if tenant.auth == "basic":
        if not secrets.password or not secrets.tenant_code:
            raise ConfigError(
                config.source, "tenant.password_env", "password and tenant code must both be set"
            )
        return BasicAuth(str(tenant.username), secrets.password, secrets.tenant_code)
    if not secrets.client_secret:
        raise ConfigError(
            config.source, "tenant.client_secret_env", "client id and client secret must be set"
        )
    return OAuthClientCredentials(
        str(config.token_url),
        str(tenant.client_id),
        secrets.client_secret,
        tenant_code=secrets.tenant_code,
        # [collect] retries applies to the token request too (at most 2: the token
        # endpoint backs off 1 s, then 2 s).
        retries=min(2, config.collect.retries),
    )
