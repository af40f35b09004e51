"""Atomic file output: write to a temporary file beside the target, then rename.

A run killed mid-write leaves the previous file intact, never a half-written one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Outputs get the permissions a plain ``open()`` would give them (mkstemp's are 0600).
_MODE = 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open a temporary file (binary) in ``path``'s folder; on success rename it over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically; return the path."""
    with atomic_open(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def read_json_file(path: str | os.PathLike[str], what: str) -> Any:
    """Parse a JSON file; an unreadable or invalid one is a one-line InputFileError naming
    the file and ``what`` it should have been ("results.json", "a snapshot")."""
    from audit.errors import InputFileError

    p = Path(path)
    try:
        return json.loads(p.read_bytes())
    except OSError as exc:
        raise InputFileError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(str(p), f"not {what}: invalid JSON ({exc})") from exc


def dump_json(data: Any) -> str:
    """The project's JSON text: UTF-8, indented, keys in insertion order, newline at the end."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as JSON atomically."""
    return write_atomic(path, dump_json(data))
