"""The cover logo: the configured image file inlined as a data URI.

The HTML report must work from a file and offline, and the PDF embeds what it shows, so the
logo travels inside the page. A file that is not an image type a browser and WeasyPrint
both show, or cannot be read, gives no logo and a warning, never a failed report.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

from audit.config_checks import MAX_LOGO_BYTES
from audit.errors import InputFileError
from audit.fileio import read_regular

LOG = logging.getLogger("ws1_audit.reports")

LOGO_TYPES = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def logo_data_uri(path: Any) -> str | None:
    """The configured logo inlined as a data URI, or ``None`` (with a warning) when unusable."""
    if not path:
        return None
    file = Path(str(path)).expanduser()
    mime = LOGO_TYPES.get(file.suffix.lower())
    if mime is None:
        LOG.warning("logo %s: not a PNG, SVG, JPEG, GIF or WebP file; cover shows none", file)
        return None
    try:
        data = read_regular(file, MAX_LOGO_BYTES)  # never a FIFO or a device: no hang
    except InputFileError as exc:
        why = exc.problem.removeprefix("cannot read: ")
        LOG.warning("logo %s cannot be read (%s); cover shows none", file, why)
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
