"""Signed outputs: PAdES signatures on the PDFs, a detached CMS signature beside results.json.

With ``[report] sign_key`` (a PKCS#12 file, or a PEM private key with ``sign_cert``: the
signer's certificate followed by its chain) and, when the key is encrypted,
``sign_passphrase_env`` naming the environment variable that holds the passphrase:

- ``report.pdf`` and ``handover.pdf`` get an invisible PAdES signature (``ETSI.CAdES.detached``,
  SHA-256, PAdES B-B; B-T with ``tsa_url``, an RFC 3161 timestamp authority). The signature
  is an incremental update, so the document's bytes stay as rendered, and the file stays
  PDF/A-3b: the signature widget has a zero-size rectangle and the Print flag (no
  appearance stream needed), and the document information dictionary and the XMP
  metadata are kept equal (:class:`_PdfAWriter`).
- ``results.json`` gets ``results.json.p7s``: a detached CMS (CAdES) signature of its bytes,
  with the same certificate and timestamp. results.json carries the snapshot's SHA-256, so
  the snapshot is covered through it.

``ws1-audit verify`` (:mod:`audit.verify`) checks both. The key is loaded once, when the
config is loaded (:func:`load_signing`), so a wrong passphrase or a key that does not match
its certificate is a configuration error (exit 3) before any request is made. Neither the
passphrase nor the key is ever written anywhere; pyHanko's own loaders (which log
tracebacks on failure) are not used.

:func:`sign_outputs` is the one call the pipeline makes, on the final files of a run before
the output set is put in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.errors import AuditError, ConfigError
from audit.fileio import write_atomic
from audit.vocabulary import EXIT_COLLECTION

if TYPE_CHECKING:
    from pyhanko.sign.signers import SimpleSigner

#: The PDFs a run signs, and why (the signature's /Reason).
SIGNED_PDFS = {
    "report.pdf": "ws1-audit readiness report",
    "handover.pdf": "ws1-audit manufacturer handover sheet",
}
RESULTS = "results.json"
P7S = ".p7s"
#: Seconds the timestamp authority has to answer.
TSA_TIMEOUT_S = 20
#: The signature field's name in the PDFs.
FIELD_NAME = "ws1-audit"


class SigningError(AuditError):
    """The outputs could not be signed (the timestamp authority failed, ...)."""

    exit_code = EXIT_COLLECTION


@dataclass(frozen=True)
class SigningSetup:
    """A loaded signing key and certificate, and where timestamps come from."""

    signer: SimpleSigner
    tsa_url: str | None
    subject: str
    not_after: dt.datetime


@contextlib.contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """Keep pyHanko's log records (tracebacks of failed path building, HTTP errors) off
    stderr: what matters is reported in one line by the caller."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    saved = [(lg.propagate, lg.handlers[:]) for lg in loggers]
    for lg in loggers:
        lg.propagate, lg.handlers = False, [logging.NullHandler()]
    try:
        yield
    finally:
        for lg, (propagate, handlers) in zip(loggers, saved, strict=True):
            lg.propagate, lg.handlers = propagate, handlers


def _read(file: str, key: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(file, key, f"cannot read {path}: {exc.strerror or exc}") from None


def _material(
    file: str, report: Mapping[str, Any], passphrase: bytes | None
) -> tuple[Any, Any, list[Any]]:
    """(private key, certificate, other certificates) as asn1crypto objects."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.keys import (
        load_certs_from_pemder_data,
        load_private_key_from_pemder_data,
    )
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )

    key_path = Path(report["sign_key"])
    data = _read(file, "report.sign_key", key_path)
    if not report.get("sign_cert"):
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
        except (ValueError, TypeError):
            raise ConfigError(
                file,
                "report.sign_key",
                f"{key_path} is not a PKCS#12 file this passphrase opens (a PEM key needs sign_cert)",
            ) from None
        if key is None or cert is None:
            raise ConfigError(
                file, "report.sign_key", f"{key_path} holds no private key and certificate"
            )
        return (
            translate_pyca_cryptography_key_to_asn1(key),
            translate_pyca_cryptography_cert_to_asn1(cert),
            [translate_pyca_cryptography_cert_to_asn1(c) for c in others],
        )
    try:
        key_info = load_private_key_from_pemder_data(data, passphrase=passphrase)
    except (ValueError, TypeError):
        raise ConfigError(
            file,
            "report.sign_key",
            f"{key_path} is not a private key this passphrase opens (PEM or DER)",
        ) from None
    cert_path = Path(report["sign_cert"])
    try:
        certs = list(load_certs_from_pemder_data(_read(file, "report.sign_cert", cert_path)))
    except (ValueError, TypeError):
        certs = []
    if not certs:
        raise ConfigError(file, "report.sign_cert", f"{cert_path} holds no certificate")
    return key_info, certs[0], certs[1:]


def _same_public_key(key: Any, cert: Any) -> bool:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    def spki(public: Any) -> bytes:
        return bytes(
            public.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    private = serialization.load_der_private_key(key.dump(), password=None)
    return spki(private.public_key()) == spki(
        x509.load_der_x509_certificate(cert.dump()).public_key()
    )


def load_signing(
    file: str,
    report: Mapping[str, Any],
    passphrase: str | None,
    *,
    at: dt.datetime | None = None,
) -> SigningSetup | None:
    """The signing setup of a ``[report]`` section, or None when nothing is configured.

    The certificate must be valid ``at`` (default: now)."""
    if not report.get("sign_key"):
        return None
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, cert, others = _material(
        file, report, passphrase.encode("utf-8") if passphrase is not None else None
    )
    if not _same_public_key(key, cert):
        raise ConfigError(
            file, "report.sign_cert", "the certificate is not the one of the private key"
        )
    not_after = cert.not_valid_after
    now = at or dt.datetime.now(dt.UTC)
    if not_after < now or cert.not_valid_before > now:
        raise ConfigError(
            file,
            "report.sign_cert" if report.get("sign_cert") else "report.sign_key",
            f"the signing certificate is valid from {cert.not_valid_before:%Y-%m-%d} "
            f"to {not_after:%Y-%m-%d}, not now",
        )
    tsa_url = report.get("tsa_url") or None
    if tsa_url and not str(tsa_url).startswith(("http://", "https://")):
        raise ConfigError(file, "report.tsa_url", f"expected an http(s) URL, got {tsa_url!r}")
    store = SimpleCertificateStore()
    store.register_multiple(others)
    signer = SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=store)
    return SigningSetup(signer, tsa_url, cert.subject.human_friendly, not_after)


def _timestamper(setup: SigningSetup) -> Any:
    if not setup.tsa_url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(setup.tsa_url, timeout=TSA_TIMEOUT_S)


def _pdfa_writer(data: bytes) -> Any:
    """An incremental writer that keeps the Info dictionary's Producer equal to the XMP's.

    pyHanko appends itself to the Info Producer ("WeasyPrint 70.0; pyHanko 0.38.0") but
    writes only its own name into the XMP ``pdf:Producer``; PDF/A requires the two to be
    equivalent, so the Info entry gets the XMP value.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata import model, xmp_xml

    class _PdfAWriter(IncrementalPdfFileWriter):
        def _update_meta(self) -> None:
            super()._update_meta()
            if self._info is None or "/Metadata" not in self.root:
                return
            # pyHanko's dictionaries resolve references on [] (not on .get)
            stream, info = self.root["/Metadata"], self._info.get_object()
            if not isinstance(stream, xmp_xml.MetadataStream):
                return
            for root in stream.xmp:
                for name, value in root:
                    if name == model.PDF_PRODUCER and isinstance(value.value, str):
                        info["/Producer"] = generic.TextStringObject(value.value)
                        self.mark_update(self._info)

    return _PdfAWriter(io.BytesIO(data))


def _tsa_failed(exc: Exception, setup: SigningSetup) -> SigningError:
    return SigningError(
        f"signing failed: the timestamp authority {setup.tsa_url} did not give a timestamp "
        f"({type(exc).__name__}: {exc}); the outputs of this run are not signed"[:400]
    )


def sign_pdf_bytes(data: bytes, setup: SigningSetup, reason: str) -> bytes:
    """``data`` (a PDF) with a PAdES signature appended as an incremental update."""
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    try:
        with quiet_pyhanko():
            out = signers.sign_pdf(
                _pdfa_writer(data), meta, signer=setup.signer, timestamper=_timestamper(setup)
            )
    except Exception as exc:
        if setup.tsa_url:
            raise _tsa_failed(exc, setup) from None
        raise
    return bytes(out.getvalue())


def sign_detached(data: bytes, setup: SigningSetup) -> bytes:
    """A detached CMS signature (DER) of ``data``."""
    coroutine = setup.signer.async_sign_general_data(
        data, "sha256", detached=True, timestamper=_timestamper(setup)
    )
    try:
        with quiet_pyhanko():
            signed = asyncio.run(coroutine)
    except Exception as exc:
        if setup.tsa_url:
            raise _tsa_failed(exc, setup) from None
        raise
    return bytes(signed.dump())


def sign_outputs(setup: SigningSetup | None, out_dir: Path, written: Sequence[Path]) -> list[Path]:
    """Sign the PDFs and results.json among ``written`` (in place); return new files.

    The pipeline's single signing call: it runs on a run's final files, after every
    renderer, before the output set is put in place. Without a signing setup it only
    removes a ``results.json.p7s`` left by an earlier signed run (it would no longer match).
    """
    made: list[Path] = []
    for path in written:
        if path.parent != out_dir:
            continue
        if path.name in SIGNED_PDFS and setup is not None:
            signed = sign_pdf_bytes(path.read_bytes(), setup, SIGNED_PDFS[path.name])
            write_atomic(path, signed)
        elif path.name == RESULTS:
            p7s = path.with_name(RESULTS + P7S)
            if setup is None:
                p7s.unlink(missing_ok=True)
            else:
                made.append(write_atomic(p7s, sign_detached(path.read_bytes(), setup)))
    return made
