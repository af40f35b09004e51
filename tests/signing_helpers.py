"""A test PKI (made with ``cryptography``) and a loopback RFC 3161 timestamp authority.

:func:`make_pki` writes, into a folder: a root CA, a document signer it issued (PEM key
encrypted with :data:`PASSPHRASE`, its certificate followed by the CA's, and the same as a
PKCS#12 file; valid for a year), an expired signer, and a timestamp authority (the CA and
the TSA are valid for ten years). :class:`LoopbackTSA` answers
RFC 3161 requests over HTTP on 127.0.0.1 with pyHanko's test timestamper, signed by that
TSA certificate, and counts the requests it answered.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The signing keys' passphrase: tests grep every output for it.
PASSPHRASE = "sign-Passphr4se-9d3e"
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Pki:
    folder: Path
    ca_cert: Path
    signer_key: Path  # PEM, encrypted with PASSPHRASE
    signer_cert: Path  # the signer's certificate, then the CA's
    signer_p12: Path  # the same key and chain as PKCS#12, encrypted with PASSPHRASE
    expired_key: Path
    expired_cert: Path
    tsa_key: Path  # PEM, unencrypted
    tsa_cert: Path
    other_ca_cert: Path  # a CA that issued nothing here
    signer_key_der: bytes  # the signer's private key, unencrypted DER (tests grep for it)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ws1-audit test PKI"),
        ]
    )


def _issue(
    cn: str,
    issuer: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None,
    *,
    ca: bool = False,
    eku: list[x509.ObjectIdentifier] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer[1].subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=30))
        .not_valid_after(not_after or NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        usage = x509.KeyUsage(True, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    builder = builder.add_extension(usage, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()),
            critical=False,
        )
    return key, builder.sign(issuer[0] if issuer else key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: rsa.RSAPrivateKey, passphrase: str | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def make_pki(folder: Path) -> Pki:
    """Write the test PKI into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    decade = NOW + dt.timedelta(days=3650)
    ca = _issue("ws1-audit Test Root CA", ca=True, not_after=decade)
    signer = _issue("Jane Auditor", ca)
    expired = _issue(
        "Expired Signer",
        ca,
        not_before=NOW - dt.timedelta(days=400),
        not_after=NOW - dt.timedelta(days=2),
    )
    tsa = _issue(
        "ws1-audit Test TSA", ca, eku=[ExtendedKeyUsageOID.TIME_STAMPING], not_after=decade
    )
    other = _issue("Some Other CA", ca=True)
    files = {
        "ca.pem": _pem(ca[1]),
        "signer.key": _key_pem(signer[0], PASSPHRASE),
        "signer.pem": _pem(signer[1]) + _pem(ca[1]),
        "signer.p12": pkcs12.serialize_key_and_certificates(
            b"signer",
            signer[0],
            signer[1],
            [ca[1]],
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        ),
        "expired.key": _key_pem(expired[0], PASSPHRASE),
        "expired.pem": _pem(expired[1]) + _pem(ca[1]),
        "tsa.key": _key_pem(tsa[0], None),
        "tsa.pem": _pem(tsa[1]),
        "other-ca.pem": _pem(other[1]),
        "ca.key": _key_pem(ca[0], None),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    der = signer[0].private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Pki(
        folder,
        folder / "ca.pem",
        folder / "signer.key",
        folder / "signer.pem",
        folder / "signer.p12",
        folder / "expired.key",
        folder / "expired.pem",
        folder / "tsa.key",
        folder / "tsa.pem",
        folder / "other-ca.pem",
        der,
    )


def extra_signer(pki: Pki, common_name: str) -> tuple[Path, Path]:
    """Another signer issued by the test CA: (PEM key encrypted with PASSPHRASE, cert chain)."""
    ca_key = serialization.load_pem_private_key((pki.folder / "ca.key").read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    key, cert = _issue(common_name, (ca_key, ca_cert))
    slug = "".join(c if c.isalnum() else "-" for c in common_name)
    key_path, cert_path = pki.folder / f"{slug}.key", pki.folder / f"{slug}.pem"
    key_path.write_bytes(_key_pem(key, PASSPHRASE))
    cert_path.write_bytes(_pem(cert) + _pem(ca_cert))
    return key_path, cert_path


class LoopbackTSA:
    """An RFC 3161 timestamp authority on 127.0.0.1 (``with LoopbackTSA(pki) as tsa: tsa.url``)."""

    def __init__(self, pki: Pki, *, fail: bool = False) -> None:
        from asn1crypto import tsp
        from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
        from pyhanko.sign.timestamps import DummyTimeStamper

        stamper = DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(str(pki.tsa_cert)),
            tsa_key=load_private_key_from_pemder(str(pki.tsa_key), None),
        )
        owner = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                request = tsp.TimeStampReq.load(body)
                answer = stamper.request_tsa_response(request).dump()
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackTSA:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
