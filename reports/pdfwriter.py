"""WeasyPrint in one place: HTML string in, PDF/A-3b bytes out, problems surfaced.

Used by the report and the handover sheet. Nothing is fetched: the URL fetcher allows
``data:`` URLs only (the logo is inlined), so tenant data can never make the renderer reach
the network or the file system. WeasyPrint reports missing fonts, unreadable images and
the like on the ``weasyprint`` logger; :func:`html_to_pdf` attaches a handler for the
duration of the render, returns those messages and repeats them on the
``ws1_audit.reports`` logger so that the CLI shows them.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

LOG = logging.getLogger("ws1_audit.reports")
PDF_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 associated file)."""

    name: str
    data: bytes
    description: str
    #: PDF/A-3 AFRelationship: "Source" (what the document was made from), "Data", ...
    relationship: str = "Data"


class _Collector(logging.Handler):
    """Keeps the messages WeasyPrint logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed log call must not break the render
            self.messages.append(str(record.msg))


@contextmanager
def weasyprint_problems() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings and errors while the block runs."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)


def html_to_pdf(
    html: str,
    *,
    attachments: Sequence[PdfAttachment] = (),
    created: dt.datetime | None = None,
) -> tuple[bytes, list[str]]:
    """Render ``html`` to PDF/A-3b bytes with ``attachments``; return the bytes and problems."""
    import weasyprint  # imported lazily: it loads Pango and fontconfig, slow at start-up

    stamp = created or dt.datetime.now(dt.UTC)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    files = [
        weasyprint.Attachment(
            file_obj=io.BytesIO(a.data),
            name=a.name,
            description=a.description,
            created=stamp,
            modified=stamp,
            relationship=a.relationship,
            url_fetcher=fetcher,
        )
        for a in attachments
    ]
    with weasyprint_problems() as problems, warnings.catch_warnings():
        # WeasyPrint 70 opens its bundled sRGB profile (the PDF/A output intent) without
        # closing it; the file is closed when dropped a moment later. Only that is ignored.
        warnings.filterwarnings("ignore", r".*sRGB2014\.icc", ResourceWarning)
        document = weasyprint.HTML(string=html, url_fetcher=fetcher, media_type="print")
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=files)
    for message in problems:
        LOG.warning("PDF rendering: %s", message)
    return bytes(pdf), list(problems)


def parse_created(value: object) -> dt.datetime | None:
    """An ISO 8601 timestamp from results.json as an aware datetime, or ``None``."""
    if not isinstance(value, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
