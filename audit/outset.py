"""One output set: a run's files appear in ``--out`` together, never mixed with another's.

A command that writes reports (``run``, ``demo``, ``evaluate``, ``render``, each tenant of
a fleet and the fleet summary) opens an :class:`OutputSet` on its folder *before* its first
request:

- **preflight**: the folder is created if needed; a path under a file, a dangling symbolic
  link, a folder that cannot be written or a disk with less than :data:`MIN_FREE_BYTES`
  free is one :class:`~audit.errors.OutputError` (exit 3), before anything is asked of the
  tenant;
- **lock**: ``.ws1-audit.lock`` in the folder is locked (``flock``) for the whole run, so a
  second run on the same folder refuses at once with one line instead of interleaving;
- **staging**: every file is written into ``.ws1-audit-staging-<run>/`` inside the folder
  (same file system, so the final renames are atomic), and only :meth:`OutputSet.commit`
  puts them in place: it removes the marker ``.ws1-audit-set.json``, renames each file
  over the old one, removes the files of the previous set that this one does not have
  (unless they are inputs of this command), and writes the new marker last. The marker
  names the run and its files, so a reader can always tell which run a folder holds.

A run that fails or is interrupted (SIGINT, SIGTERM, an error) leaves the previous complete
set as it was; its staging folder is removed, except that one holding a collected snapshot
is kept as ``.ws1-audit-incomplete/`` (replacing an earlier one) so that no collected data
is lost. A run killed with SIGKILL leaves its staging folder behind; the next run on the
folder removes it. SIGINT and SIGTERM are held back while the files are renamed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import tempfile
import threading
import types
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from audit import TOOL_NAME, __version__
from audit.errors import InputFileError, OutputError
from audit.fileio import os_problem, read_regular

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the rest works
    fcntl = None  # type: ignore[assignment]

MARKER = ".ws1-audit-set.json"
LOCK = ".ws1-audit.lock"
STAGING_PREFIX = ".ws1-audit-staging-"
INCOMPLETE = ".ws1-audit-incomplete"
#: Less free space than this on the output folder's disk stops a run before it starts.
MIN_FREE_BYTES = 16 << 20


def preflight(path: Path, what: str = "--out") -> None:
    """Raise OutputError when ``path`` cannot become a writable folder with some space."""
    if path.is_symlink() and not path.exists():
        raise OutputError(str(path), f"{what}: a dangling symbolic link")
    probe = path
    while not probe.exists():
        if probe.is_symlink():
            raise OutputError(str(path), f"{what}: {probe} is a dangling symbolic link")
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(str(path), f"{what}: {probe} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise OutputError(
            str(path), f"{what}: cannot write into {probe}: {os_problem(exc)}"
        ) from exc
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        raise OutputError(str(path), f"{what}: {os_problem(exc)}") from exc
    if free < MIN_FREE_BYTES:
        raise OutputError(str(path), f"{what}: only {free >> 10} KB free on its disk")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait while the set is renamed into place (main thread only)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class OutputSet:
    """The output folder of one run, locked, with its files staged until :meth:`commit`.

    ``inputs`` are files this command reads (a snapshot, a results.json); the commit never
    removes them, even when they belong to the previous set.
    """

    def __init__(self, out: Path, run_id: str, *, inputs: Iterable[Path] = ()) -> None:
        self.out = Path(out)
        self.run_id = run_id
        self.inputs = {p.resolve() for p in inputs}
        self.staging = self.out / f"{STAGING_PREFIX}{run_id[:8]}"
        self.kept: Path | None = None
        self._lock_fd: int | None = None
        self._committed = False
        self._created: list[Path] = []

    def __enter__(self) -> OutputSet:
        preflight(self.out)
        self._created = []
        missing = self.out
        while not missing.exists() and missing.parent != missing:
            self._created.append(missing)
            missing = missing.parent
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock()
            for stale in self.out.glob(STAGING_PREFIX + "*"):
                shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
            self.staging.mkdir()
        except OSError as exc:
            self._unlock()
            raise OutputError(str(self.out), f"--out: cannot write: {os_problem(exc)}") from exc
        return self

    def _lock(self) -> None:
        fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        self._lock_fd = fd
        if fcntl is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._unlock()
            raise OutputError(
                str(self.out),
                "--out: another ws1-audit run is writing into this folder; wait for it to "
                "finish, or choose another --out",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.run_id}\n".encode())

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        try:
            if not self._committed and self.staging.exists():
                if (self.staging / "snapshot.json").exists():
                    self._keep_incomplete()
                else:
                    shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            if not self._committed and self.kept is None and self._created:
                with contextlib.suppress(OSError):
                    os.unlink(self.out / LOCK)  # a folder this failed run made: leave none
            self._unlock()
            if not self._committed and self.kept is None:
                for folder in self._created:  # innermost first; only while empty
                    with contextlib.suppress(OSError):
                        folder.rmdir()

    def _keep_incomplete(self) -> None:
        target = self.out / INCOMPLETE
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.replace(self.staging, target)
            self.kept = target

    def final(self, path: Path) -> Path:
        """Where a staged file ends up once committed."""
        try:
            return self.out / Path(path).relative_to(self.staging)
        except ValueError:
            return Path(path)

    def commit(self, written: Sequence[Path]) -> list[Path]:
        """Put the staged files in place as one set; return their final paths."""
        names = [Path(p).name for p in written if Path(p).parent == self.staging]
        names = list(dict.fromkeys(names))
        inputs_here = [p.name for p in self.inputs if p.parent == self.out.resolve()]
        previous = self._previous_set()
        same_run = previous.get("run_id") == self.run_id
        members = sorted(
            set(names) | set(inputs_here) | (set(previous.get("files", [])) if same_run else set())
        )
        marker = {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "run_id": self.run_id,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": [m for m in members if m != MARKER],
        }
        try:
            (self.staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
            with _signals_held():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.out / MARKER)
                for name in names:
                    os.replace(self.staging / name, self.out / name)
                if not same_run:
                    for old in previous.get("files", []):
                        self._remove_stale(old, keep=set(names) | set(inputs_here))
                os.replace(self.staging / MARKER, self.out / MARKER)
                self._committed = True
        except OSError as exc:
            raise OutputError(
                str(self.out), f"cannot put the reports in place: {os_problem(exc)}"
            ) from exc
        shutil.rmtree(self.staging, ignore_errors=True)
        return [self.out / name for name in names]

    def _remove_stale(self, name: str, keep: set[str]) -> None:
        if name in keep or "/" in name or name.startswith(".") or name in ("", LOCK):
            return
        path = self.out / name
        if path.is_file() and not path.is_symlink():
            with contextlib.suppress(OSError):
                path.unlink()

    def _previous_set(self) -> dict[str, Any]:
        try:
            data = json.loads(read_regular(self.out / MARKER, 1 << 20))
        except (InputFileError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return {}
        return {"run_id": data.get("run_id"), "files": files}
