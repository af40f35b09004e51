"""The project's exception tree, and the exit code each one maps to.

::

    AuditError                    base; carries a one-line message for stderr
     +-- UsageError               exit 3: bad command line
     +-- ConfigError              exit 3: bad config file (names file, key, expectation)
     +-- InputFileError           exit 3: bad snapshot / results.json / attestation file
     +-- OutputError              exit 3: an output cannot be written (folder, space, lock)
     +-- CollectionError          exit 4: the tenant could not be read
          +-- AuthenticationError  401, a 403 on the first call, OAuth token endpoint refusing or down
          +-- ApiError             an HTTP status that retries did not cure
               +-- PermissionDenied     403 on one endpoint (the collector decides: a gap, or exit 4)
          +-- TransportError       network failure that retries did not cure
          +-- BudgetExhausted      the request budget or the tenant quota would be exceeded

Foreign exceptions (httpx, json, tomllib) are translated into these in one place each,
with ``raise ... from exc``, so that the CLI prints one line and picks the exit code.
The exit codes themselves, and what each means, are in :mod:`audit.vocabulary`.
"""

from __future__ import annotations

from audit.vocabulary import EXIT_COLLECTION, EXIT_USAGE


class AuditError(Exception):
    """Base of every error ws1-audit raises on purpose; ``str()`` is the one-line message."""

    exit_code = EXIT_USAGE


class UsageError(AuditError):
    """The command line asks for something impossible."""


class ConfigError(AuditError):
    """A config file is malformed, has an unknown key, a wrong type or a missing value."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: {key}: " if key else f"{file}: "
        super().__init__(f"{where}{problem}")


class InputFileError(AuditError):
    """A snapshot, results.json or evidence file cannot be used."""

    def __init__(self, file: str, problem: str) -> None:
        self.file, self.problem = file, problem
        super().__init__(f"{file}: {problem}")


class OutputError(AuditError):
    """An output file or folder cannot be written (not a folder, read-only, full, locked)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


class CollectionError(AuditError):
    """The tenant could not be read."""

    exit_code = EXIT_COLLECTION

    def __init__(
        self, message: str, *, endpoint: str | None = None, status: int | None = None
    ) -> None:
        self.endpoint, self.status = endpoint, status
        super().__init__(message)


class AuthenticationError(CollectionError):
    """Credentials, API key or permission refused (401/403), or the token endpoint failed."""


class ApiError(CollectionError):
    """The API answered an error status that retries did not cure."""


class PermissionDenied(ApiError):
    """A 403: the API key, or the API account's role for this one endpoint, was refused.

    ``error_code`` is the UEM ``errorCode`` of the answer (None when it had none). The
    collector turns a 403 on the first call into :class:`AuthenticationError` (exit 4)
    and one on a later endpoint into a gap that its checks report as ``error``.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status: int | None = 403,
        error_code: int | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        self.error_code = error_code


class TransportError(CollectionError):
    """The network failed (connect, read, timeout) and retries did not cure it."""


class BudgetExhausted(CollectionError):
    """The next request would exceed the request budget or eat into the tenant's quota reserve."""
