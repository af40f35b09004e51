"""Process-wide redaction of secret values from anything printed.

Secrets are registered when the config reads them from the environment (and by the client
when it obtains an access token); every line ws1-audit prints goes through :func:`scrub`.
The snapshot recorder redacts with its own list (see ``audit.uem.recorder``).
"""

from __future__ import annotations

import base64
import threading

REDACTED = "[REDACTED]"
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (ignored when empty or too short to be specific)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def register_basic_pair(username: str, password: str) -> None:
    """Register the base64 of ``user:password`` too: it is what Basic auth sends."""
    register_secret(base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))


def secrets() -> list[str]:
    """The registered secrets, longest first (so overlapping values redact fully)."""
    with _lock:
        return sorted(_secrets, key=len, reverse=True)


def scrub(text: str, extra: list[str] | None = None) -> str:
    """``text`` with every registered (and ``extra``) secret replaced by [REDACTED]."""
    for value in sorted(set(secrets()) | set(extra or []), key=len, reverse=True):
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text
