"""File input and output: atomic writes, the last secret scrub, and safe reads.

Writes go to a temporary file beside the target, then are renamed: a run killed mid-write
leaves the previous file intact, never a half-written one. Every output ws1-audit writes
passes through :func:`write_atomic`, the one place where text is scrubbed of secrets a last
time (:func:`audit.redact.scrub`) and where a failing write (a read-only folder, a full
disk) becomes one :class:`~audit.errors.OutputError` naming the path (exit 3).

Reads of files a user names (configs, snapshots, results, baselines, logos, evidence) go
through :func:`read_regular`: regular files only (a FIFO, ``/dev/zero`` or a device is
refused at once, never read), and no larger than a cap.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from audit.errors import InputFileError, OutputError
from audit.redact import scrub

#: The largest snapshot or results.json read (a 100,000-device snapshot is about 28 MB).
MAX_JSON_INPUT_BYTES = 1 << 30
#: JSON nested deeper than this is refused (UEM answers and our own files are a few levels).
MAX_JSON_DEPTH = 100
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Outputs get the permissions a plain ``open()`` would give them (mkstemp's are 0600).
_MODE = 0o666 & ~_current_umask()


def os_problem(exc: OSError) -> str:
    """An OSError in words: ``No space left on device``, ``Permission denied``..."""
    return exc.strerror or errno.errorcode.get(exc.errno or 0, "") or str(exc)


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
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically; return the path.

    Text (and bytes that are UTF-8 text, e.g. CSV) is scrubbed of every known secret first;
    binary data (PDFs) is rendered from data that was scrubbed before. A failing write is an
    OutputError naming ``path``.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            clean = scrub(text)
            if clean != text:
                data = clean.encode("utf-8")
    else:
        data = scrub(data).encode("utf-8", "surrogatepass")
    try:
        with atomic_open(path) as fh:
            fh.write(data)
    except OSError as exc:
        raise OutputError(str(path), f"cannot write: {os_problem(exc)}") from exc
    return Path(path)


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else (a FIFO, a
    device, a folder, a larger file, an unreadable one) is an InputFileError at once."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError(name, f"cannot read: {os_problem(exc)}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO, socket or device"
            raise InputFileError(name, f"cannot read: {kind}, not a regular file")
        if info.st_size > limit:
            raise InputFileError(name, f"too large ({_size(info.st_size)}; at most {_size(limit)})")
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputFileError(name, f"cannot read: {os_problem(exc)}") from exc
    if len(data) > limit:
        raise InputFileError(name, f"too large (more than {_size(limit)})")
    return data


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n} bytes"


def json_depth_exceeds(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``data`` nests lists and dicts deeper than ``limit`` (an iterative walk)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, list | dict))
    return False


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _may_nest_deeply(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """A fast filter before :func:`json_depth_exceeds`: False when the brackets of ``raw``
    (counted in strings too, so it can only overestimate) never nest deeper than ``limit``."""
    if isinstance(raw, str) or b"\x00" in raw[:4]:
        return True
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    import numpy as np

    brackets = np.frombuffer(raw.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return bool(np.cumsum(steps).max() > limit)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _float_or_text(text: str) -> float | str:
    value = float(text)
    return text if math.isinf(value) else value


_STRICT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_LENIENT = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_float_or_text)


def loads_strict(raw: bytes | str, *, lenient: bool = False) -> Any:
    """Parse JSON as the standard defines it; every problem is a ValueError saying which.

    Refused always: NaN and Infinity, integers of more than 4,300 digits, nesting deeper
    than :data:`MAX_JSON_DEPTH`. A lone surrogate and a number too large for a float
    (``1e400``) are refused too, unless ``lenient`` (a tenant's answer), which stores them
    safely instead: the surrogate as U+FFFD, the number as its text.
    """
    decoder = _LENIENT if lenient else _STRICT
    try:
        text = (
            raw if isinstance(raw, str) else raw.decode(json.detect_encoding(raw), "surrogatepass")
        )
        data = decoder.decode(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _may_nest_deeply(raw) and json_depth_exceeds(data):
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if _may_hold_surrogates(raw) and _lone_surrogate(data):
        if not lenient:
            raise ValueError("a string holds a lone surrogate (not valid Unicode)")
        data = _replace_surrogates(data)
    return data


def _may_hold_surrogates(raw: bytes | str) -> bool:
    """Only a ``\\u`` escape or UTF-16/32 text can carry a lone surrogate into a str."""
    if isinstance(raw, str):
        return "\\u" in raw
    return b"\\u" in raw or b"\x00" in raw[:4]


def _lone_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _replace_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_surrogates(v) for v in data]
    return data


def read_json_file(path: str | os.PathLike[str], what: str) -> Any:
    """Parse a JSON file; an unreadable or invalid one is a one-line InputFileError naming
    the file and ``what`` it should have been ("results.json", "a snapshot")."""
    p = Path(path)
    raw = read_regular(p, MAX_JSON_INPUT_BYTES)
    try:
        return loads_strict(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(str(p), f"not {what}: invalid JSON ({exc})"[:400]) from exc


def dump_json(data: Any) -> str:
    """The project's JSON text: UTF-8, indented, keys in insertion order, newline at the end.

    Only standard JSON: a NaN or infinite number (pandas can make one) is written as null.
    """
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str, allow_nan=False) + "\n"
    except ValueError:
        return json.dumps(finite(data), indent=2, ensure_ascii=False, default=str) + "\n"


def finite(data: Any) -> Any:
    """``data`` with every NaN or infinite float replaced by None."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as JSON atomically."""
    return write_atomic(path, dump_json(data))
