"""The Jinja environment (autoescape on) and the static CSS/JS the templates inline.

One set of templates serves the HTML report, the PDF and the handover sheet; ``interactive``
in the template context switches the browser-only parts (filters, paging, the CSP) on.
CSS and JavaScript are read as files, not rendered, so that their bytes are exactly what the
Content-Security-Policy hashes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from reports.text import shorten

__all__ = [
    "Markup",
    "csp_hash",
    "environment",
    "render",
    "static_markup",
    "static_text",
    "stylesheet",
]

_TEMPLATES = resources.files("reports") / "templates"


@functools.cache
def environment() -> jinja2.Environment:
    """The shared Jinja environment: autoescape for every template, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _thousands
    env.filters["shorten"] = shorten
    env.filters["capitalize_first"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def _thousands(value: Any) -> str:
    """``50000`` as ``50,000``; anything else as text."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


@functools.cache
def static_text(name: str) -> str:
    """A static file under reports/templates (CSS or JS) as text."""
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def static_markup(name: str) -> Markup:
    """A static file as markup to inline in ``<style>``/``<script>`` (ours, never tenant data)."""
    text = static_text(name)
    if "</" in text:  # an inline element must not contain its own end tag
        raise ValueError(f"{name} contains '</' and cannot be inlined")
    return Markup(text)


def stylesheet(*, interactive: bool) -> Markup:
    """The report's CSS: shared base + print, plus the screen-only rules for the HTML report.

    WeasyPrint gets no screen rules (it would log every property it does not know).
    """
    names = ("base.css", "screen.css", "print.css") if interactive else ("base.css", "print.css")
    return Markup("".join(static_markup(n) for n in names))


def csp_hash(text: str) -> str:
    """The CSP source expression (``'sha256-...'``) allowing exactly this inline text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def render(template: str, **context: Any) -> str:
    """Render a template with ``context``."""
    return environment().get_template(template).render(**context)
