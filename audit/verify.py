"""``ws1-audit verify FILE...``: is a report authentic and unchanged?

For each file, one line: ``OK`` or ``FAILED``, then what was found.

- **A PDF** (report.pdf, handover.pdf): every signature is validated with pyHanko: the
  signed bytes are intact, the signature value verifies, the signer's certificate chains to
  a trust anchor and is valid, the signature covers the whole file (nothing was added after
  signing), and the RFC 3161 timestamp, when there is one, is intact and trusted. Then, if
  the PDF attaches a ``results.json`` or shows a "Results SHA-256" (the report does both),
  the attached results must be the ones the report shows: their ``content_sha256`` must
  match their content and the hash printed in the report's appendix.
- **results.json**: its ``content_sha256`` must match its content, and
  ``results.json.p7s`` beside it must be a valid detached signature of its bytes (the same
  checks as above). A ``.p7s`` named on the command line verifies the file it signs.

Trust anchors are the certificates in the ``--trust`` files (the auditor's CA), else the
system's CA bundle. Certificates are judged at the time of verification; a certificate
that has expired since is still accepted when a trusted timestamp proves the signature
was made while it was valid. Nothing is fetched: revocation (CRL, OCSP) is not checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import UsageError
from audit.results import results_hash
from audit.signing import P7S, RESULTS, quiet_pyhanko

#: The label before the results hash in the report's appendix.
SHOWN_LABEL = "Results SHA-256"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass
class Outcome:
    """What verify found about one file."""

    path: Path
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return f"{self.path}: {verdict}: " + "; ".join([*self.problems, *self.facts])


def load_trust(files: Sequence[Path]) -> list[Any]:
    """Trust anchors from ``files`` (PEM or DER, several certificates each), else the
    system's CA bundle (``SSL_CERT_FILE`` or OpenSSL's default file)."""
    from pyhanko.keys import load_certs_from_pemder_data

    if not files:
        default = os.environ.get("SSL_CERT_FILE") or ssl.get_default_verify_paths().cafile
        files = [Path(default)] if default and Path(default).is_file() else []
        explicit = False
    else:
        explicit = True
    roots: list[Any] = []
    for path in files:
        try:
            roots += list(load_certs_from_pemder_data(path.read_bytes()))
        except OSError as exc:
            raise UsageError(f"--trust {path}: cannot read: {exc.strerror or exc}") from None
        except (ValueError, TypeError):
            if explicit:
                raise UsageError(f"--trust {path}: not a PEM or DER certificate file") from None
    return roots


def _utc(value: dt.datetime | None) -> str:
    if value is None:
        return "?"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _who(cert: Any) -> str:
    return _named(cert.subject)


def _named(name: Any) -> str:
    """``CN (O)`` of an X.509 name."""
    parts = name.native
    cn, org = parts.get("common_name"), parts.get("organization_name")
    return f"{cn} ({org})" if cn and org else str(cn or name.human_friendly)


class _Checker:
    def __init__(self, roots: list[Any], at: dt.datetime | None) -> None:
        from pyhanko.sign.validation.settings import KeyUsageConstraints

        self.roots, self.at = roots, at
        # A document-signing certificate has digitalSignature or nonRepudiation (either).
        self.usage = KeyUsageConstraints(
            key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
        )

    def context(self, moment: dt.datetime | None = None) -> Any:
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=self.roots, allow_fetching=False, moment=moment or self.at
        )

    async def judge(self, status: Any, revalidate: Any) -> tuple[list[str], list[str]]:
        """(problems, facts) of a pyHanko signature status; ``revalidate(context)`` checks the
        signature again at another time (for a certificate that expired since)."""
        problems: list[str] = []
        cert = status.signing_cert
        facts = [f"signed by {_who(cert)}", f"signing time {_utc(status.signer_reported_dt)}"]
        stamp = status.timestamp_validity
        if stamp is None:
            facts.append("no timestamp")
        else:
            facts.append(f"timestamp {_utc(stamp.timestamp)} by {_who(stamp.signing_cert)}")
            if not (stamp.intact and stamp.valid):
                problems.append("the timestamp token does not verify")
            elif not stamp.trusted:
                problems.append("the timestamp authority is not trusted")
        if not status.intact:
            problems.append("the signed bytes were changed after signing (digest mismatch)")
        elif not status.valid:
            problems.append("the signature value does not verify")
        elif not status.trusted:
            problems += await self._trust_problem(status, stamp, revalidate)
        return problems, facts

    async def _trust_problem(self, status: Any, stamp: Any, revalidate: Any) -> list[str]:
        cert = status.signing_cert
        indic = str(getattr(status.trust_problem_indic, "name", status.trust_problem_indic))
        not_after, not_before = cert.not_valid_after, cert.not_valid_before
        now = self.at or dt.datetime.now(dt.UTC)
        if "NO_CERTIFICATE_CHAIN" in indic:
            return [
                f"the signer's certificate (issued by {_named(cert.issuer)}) does not chain "
                "to a trusted CA (pass the auditor's CA with --trust)"
            ]
        if "REVOKED" in indic:
            return ["the signer's certificate is revoked"]
        if not_after < now or not_before > now:
            span = f"valid {not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}"
            proof = stamp is not None and stamp.trusted and stamp.intact and stamp.valid
            if proof and not_before <= stamp.timestamp <= not_after:
                again = await revalidate(self.context(stamp.timestamp))
                if again.trusted:
                    return []
            when = "expired" if not_after < now else "is not valid yet"
            return [
                f"the signer's certificate {when} ({span}) and no trusted timestamp shows "
                "the signature was made while it was valid"
            ]
        return [f"the signer's certificate is not trusted ({indic.lower()})"]


def _embedded_file(reader: Any, name: str) -> bytes | None:
    """The bytes of the embedded file ``name`` (flat or nested name tree), or None."""
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return None
    pending = [tree]
    while pending:
        node = pending.pop()
        pairs = node.get("/Names") or []
        for i in range(0, len(pairs) - 1, 2):
            if str(pairs[i]) == name:
                try:
                    return bytes(pairs[i + 1]["/EF"]["/F"].data)
                except KeyError:
                    return None
        pending += list(node.get("/Kids") or [])
    return None


def _shown_hash(data: bytes) -> str | None:
    """The results hash the PDF's text shows (the appendix is near the end), or None."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for page in reversed(reader.pages):
        text = page.extract_text() or ""
        at = text.find(SHOWN_LABEL)
        if at < 0:
            continue
        tail = re.sub(r"\s+", "", text[at + len(SHOWN_LABEL) : at + len(SHOWN_LABEL) + 200])
        found = _HEX64.search(tail.lower())
        return found.group(0) if found else ""
    return None


def _results_link(data: bytes, reader: Any) -> tuple[list[str], list[str]]:
    """(problems, facts) of the attached results.json against the hash the report shows."""
    attached = _embedded_file(reader, RESULTS)
    shown = _shown_hash(data)
    if attached is None and shown is None:
        return [], []
    if attached is None:
        return ["the report shows a results hash but has no results.json attached"], []
    try:
        results = json.loads(attached)
        actual = results_hash(results)
    except (ValueError, TypeError, AttributeError):
        return ["the attached results.json is not valid JSON results"], []
    problems = []
    if isinstance(results, dict) and results.get("content_sha256") not in (None, actual):
        problems.append("the attached results.json was edited (content_sha256 does not match)")
    if shown is None:
        problems.append("the report does not show the hash of its results")
    elif shown != actual:
        problems.append(
            f"the attached results.json is not the one the report shows "
            f"(shown {shown[:12]}…, attached {actual[:12]}…)"
        )
    return problems, ([] if problems else [f"attached results match the report ({actual[:12]}…)"])


async def _verify_pdf(path: Path, data: bytes, checker: _Checker) -> Outcome:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature

    outcome = Outcome(path)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:
        outcome.problems.append(f"not a readable PDF ({type(exc).__name__}: {exc})"[:200])
        return outcome
    if not signatures:
        outcome.problems.append("not signed")
    for index, signature in enumerate(signatures):

        async def check(context: Any, sig: Any = signature) -> Any:
            return await async_validate_pdf_signature(
                sig, context, key_usage_settings=checker.usage
            )

        try:
            status = await check(checker.context())
        except Exception as exc:  # a malformed signature dictionary is a finding
            outcome.problems.append(
                f"signature {index + 1} cannot be validated ({type(exc).__name__}: {exc})"[:200]
            )
            continue
        problems, facts = await checker.judge(status, check)
        last = index == len(signatures) - 1
        if status.intact and last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            level = getattr(status.modification_level, "name", "unknown").lower()
            problems.append(f"the file was changed after signing (an update: {level})")
        outcome.problems += problems
        outcome.facts += facts
    if not outcome.problems:
        outcome.facts.append("intact")
    try:
        problems, facts = _results_link(data, reader)
    except Exception as exc:  # an unreadable text layer is a finding, not a crash
        problems, facts = [f"the report's text cannot be read ({type(exc).__name__})"], []
    outcome.problems += problems
    outcome.facts += facts
    return outcome


async def _verify_results(path: Path, data: bytes, checker: _Checker) -> Outcome:
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms

    outcome = Outcome(path)
    try:
        results = json.loads(data)
        if results_hash(results) != results.get("content_sha256", results_hash(results)):
            outcome.problems.append("edited after it was written (content_sha256 does not match)")
    except (ValueError, TypeError, AttributeError):
        outcome.problems.append("not a results.json (invalid JSON)")
    p7s = path.with_name(path.name + P7S)
    try:
        signed = cms.ContentInfo.load(p7s.read_bytes())["content"]
    except FileNotFoundError:
        outcome.problems.append(f"not signed (no {p7s.name} beside it)")
        return outcome
    except (OSError, ValueError, TypeError, KeyError) as exc:
        outcome.problems.append(f"{p7s.name} is not a CMS signature ({type(exc).__name__})")
        return outcome

    async def check(context: Any) -> Any:
        return await async_validate_detached_cms(
            data, signed, signer_validation_context=context, key_usage_settings=checker.usage
        )

    try:
        status = await check(checker.context())
    except Exception as exc:
        outcome.problems.append(f"{p7s.name} cannot be validated ({type(exc).__name__})")
        return outcome
    problems, facts = await checker.judge(status, check)
    outcome.problems += problems
    outcome.facts += [*facts, f"signature {p7s.name}"]
    if not outcome.problems:
        outcome.facts.append("intact")
    return outcome


async def _verify_one(path: Path, checker: _Checker) -> Outcome:
    if path.name.endswith(P7S):
        path = path.with_name(path.name[: -len(P7S)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Outcome(path, [f"cannot read: {exc.strerror or exc}"])
    if data.startswith(b"%PDF"):
        return await _verify_pdf(path, data, checker)
    return await _verify_results(path, data, checker)


def verify_files(
    paths: Sequence[Path], trust: Sequence[Path] = (), *, at: dt.datetime | None = None
) -> list[Outcome]:
    """Verify each file; ``at`` is the time certificates are judged at (default now)."""
    checker = _Checker(load_trust(trust), at)

    async def every() -> list[Outcome]:
        return [await _verify_one(p, checker) for p in paths]

    with quiet_pyhanko():
        return asyncio.run(every())
