"""Signed reports and ``ws1-audit verify``: a test CA signs, a loopback TSA stamps.

The outputs are real: report.pdf and handover.pdf from WeasyPrint, results.json as the run
writes it, signed by :func:`audit.signing.sign_outputs` (the pipeline's hook), then read
back: pyHanko validates, qpdf checks the structure, pypdf reads the PDF/A identification,
the metadata and the attachments. Tampering (a flipped byte, a swapped attachment, an
edited results.json) and an expired certificate are each detected.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reports_fixtures import load
from robust_helpers import sim_env, write_config, ws1
from signing_helpers import NOW, PASSPHRASE, LoopbackTSA, Pki, extra_signer, make_pki

from audit import pipeline, signing
from audit.config import parse_config
from audit.errors import ConfigError
from audit.results import results_hash, sealed
from audit.simulator import SimulatorServer, load_scenario
from audit.verify import verify_files
from reports import pdf_report
from reports.base import RenderOptions
from reports.pdfwriter import html_to_pdf


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _setup(pki: Pki, *, p12: bool = False, tsa_url: str | None = None) -> signing.SigningSetup:
    report: dict[str, Any] = (
        {"sign_key": pki.signer_p12}
        if p12
        else {"sign_key": pki.signer_key, "sign_cert": pki.signer_cert}
    )
    setup = signing.load_signing("<test>", {**report, "tsa_url": tsa_url}, PASSPHRASE)
    assert setup is not None
    return setup


def _render_set(out: Path, results: dict[str, Any]) -> list[Path]:
    written = [pipeline.save_results(results, out)]
    return written + pipeline.render(results, out, ["pdf", "handover"])


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> dict[str, Any]:
    """A not-ready run's results.json, report.pdf and handover.pdf, signed with a timestamp;
    and the same set unsigned."""
    results = load("results_not_ready.json")
    plain = tmp_path_factory.mktemp("unsigned")
    _render_set(plain, results)
    out = tmp_path_factory.mktemp("signed")
    with LoopbackTSA(pki) as tsa:
        written = _render_set(out, results)
        made = signing.sign_outputs(_setup(pki, tsa_url=tsa.url), out, written)
        stamps = tsa.requests
    return {"out": out, "plain": plain, "made": made, "stamps": stamps, "results": results}


def _verify(*paths: Path, pki: Pki, at: dt.datetime | None = None) -> list[Any]:
    return verify_files(list(paths), [pki.ca_cert], at=at)


def test_the_run_set_is_signed_and_verifies(signed: dict[str, Any], pki: Pki) -> None:
    out = signed["out"]
    assert signed["made"] == [out / "results.json.p7s"]
    assert signed["stamps"] >= 3  # pyHanko asks once more per PDF, to size the signature
    outcomes = _verify(out / "report.pdf", out / "handover.pdf", out / "results.json", pki=pki)
    assert all(o.ok for o in outcomes), [o.line() for o in outcomes]
    report, handover, results = (o.line() for o in outcomes)
    for line in (report, handover, results):
        assert "signed by Jane Auditor (ws1-audit test PKI)" in line
        assert "timestamp " in line and "by ws1-audit Test TSA" in line and "intact" in line
    digest = results_hash(signed["results"])
    assert f"attached results match the report ({digest[:12]}" in report
    assert "results" not in handover.split("intact")[1]  # the sheet attaches no results
    # the p7s named directly verifies the file it signs
    [direct] = _verify(out / "results.json.p7s", pki=pki)
    assert direct.ok and direct.path == out / "results.json"


def test_the_signed_pdfs_stay_pdfa_3b(signed: dict[str, Any]) -> None:
    for name in ("report.pdf", "handover.pdf"):
        path = signed["out"] / name
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        before = (signed["plain"] / name).read_bytes()
        after = path.read_bytes()
        assert after.startswith(before)  # an incremental update: the rendered bytes stay
        reader = PdfReader(path)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
        producer = str(reader.trailer["/Info"]["/Producer"])
        assert f'pdf:Producer="{producer}"' in xmp  # Info and XMP agree (PDF/A 6.6.2.3)
        root = reader.trailer["/Root"]
        assert "/NeedAppearances" not in root["/AcroForm"]
        [field] = [f.get_object() for f in root["/AcroForm"]["/Fields"]]
        assert field["/FT"] == "/Sig" and [float(v) for v in field["/Rect"]] == [0, 0, 0, 0]
        flags = int(field["/F"])
        assert flags & 4 and not flags & (1 | 2 | 32)  # Print; not Invisible, Hidden, NoView
    report = PdfReader(signed["out"] / "report.pdf")
    assert set(report.attachments) == {"results.json", "evidence.csv"}
    attached = report.attachments["results.json"][0]
    assert attached == (signed["out"] / "results.json").read_bytes()  # the sealed file itself
    assert "/AF" in report.trailer["/Root"]  # the PDF/A-3 associated files survive


def _flip(data: bytes, marker: bytes) -> bytes:
    at = data.index(marker)
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


def test_a_flipped_byte_is_detected(signed: dict[str, Any], pki: Pki, tmp_path: Path) -> None:
    data = (signed["out"] / "report.pdf").read_bytes()
    bad = tmp_path / "report.pdf"
    bad.write_bytes(_flip(data, b"readiness report"))  # in the signed Info dictionary
    [outcome] = _verify(bad, pki=pki)
    assert not outcome.ok
    assert "the signed bytes were changed after signing" in outcome.line()


def _swap_attachment(data: bytes, replacement: bytes) -> bytes:
    """An incremental update that replaces the embedded results.json (what a forger does)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    pairs = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = next(pairs[i + 1] for i in range(0, len(pairs), 2) if str(pairs[i]) == "results.json")
    ef = spec["/EF"]
    ef["/F"] = writer.add_object(
        generic.StreamObject(
            {generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile")}, stream_data=replacement
        )
    )
    writer.update_container(ef)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_swapped_attachment_is_detected(signed: dict[str, Any], pki: Pki, tmp_path: Path) -> None:
    other = json.dumps(sealed(load("results_ready.json")), indent=2).encode()
    swapped = tmp_path / "report.pdf"
    swapped.write_bytes(_swap_attachment((signed["out"] / "report.pdf").read_bytes(), other))
    [outcome] = _verify(swapped, pki=pki)
    line = outcome.line()
    assert not outcome.ok
    assert "the file was changed after signing" in line
    assert "the attached results.json is not the one the report shows" in line
    # unsigned: a report rendered for one run with another run's results attached
    results = signed["results"]
    html = pdf_report.report_html_for_pdf(results, RenderOptions())
    files = pdf_report.attachments_for(load("results_ready.json"), RenderOptions())
    pdf, _ = html_to_pdf(html, attachments=files)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(pdf)
    [outcome] = _verify(forged, pki=pki)
    assert outcome.problems == [
        "not signed",
        f"the attached results.json is not the one the report shows (shown "
        f"{results_hash(results)[:12]}…, attached {results_hash(load('results_ready.json'))[:12]}…)",
    ]


def test_an_edited_or_unsigned_results_json_is_detected(
    signed: dict[str, Any], pki: Pki, tmp_path: Path
) -> None:
    for name in ("results.json", "results.json.p7s"):
        shutil.copy(signed["out"] / name, tmp_path / name)
    edited = tmp_path / "results.json"
    edited.write_bytes(edited.read_bytes().replace(b'"status": "fail"', b'"status": "pass"', 1))
    [outcome] = _verify(edited, pki=pki)
    assert "edited after it was written" in outcome.line()
    assert "the signed bytes were changed after signing" in outcome.line()
    (tmp_path / "results.json.p7s").unlink()
    [outcome] = _verify(edited, pki=pki)
    assert "not signed (no results.json.p7s beside it)" in outcome.line()


def test_an_expired_certificate_is_detected(pki: Pki, tmp_path: Path) -> None:
    setup = signing.load_signing(
        "<test>",
        {"sign_key": pki.expired_key, "sign_cert": pki.expired_cert},
        PASSPHRASE,
        at=NOW - dt.timedelta(days=10),  # it was valid then
    )
    written = _render_set(tmp_path, load("results_ready.json"))
    signing.sign_outputs(setup, tmp_path, written)
    for outcome in _verify(tmp_path / "report.pdf", tmp_path / "results.json", pki=pki):
        assert not outcome.ok
        assert "the signer's certificate expired" in outcome.line()
        assert "signed by Expired Signer" in outcome.line()


def test_a_timestamp_keeps_a_signature_valid_after_the_certificate_expires(
    pki: Pki, tmp_path: Path
) -> None:
    later = NOW + dt.timedelta(days=400)  # the signer's certificate expires after 365 days
    with LoopbackTSA(pki) as tsa:
        for sub, url in (("stamped", tsa.url), ("plain", None)):
            out = tmp_path / sub
            written = [
                pipeline.save_results(load("results_ready.json"), out),
                *pipeline.render(load("results_ready.json"), out, ["handover"]),
            ]
            signing.sign_outputs(_setup(pki, tsa_url=url), out, written)
    stamped = _verify(
        tmp_path / "stamped/handover.pdf", tmp_path / "stamped/results.json", pki=pki, at=later
    )
    assert all(o.ok for o in stamped), [o.line() for o in stamped]
    plain = _verify(tmp_path / "plain/handover.pdf", pki=pki, at=later)
    assert "expired" in plain[0].line() and "no timestamp" in plain[0].line()


def test_untrusted_signer_and_unsigned_files(signed: dict[str, Any], pki: Pki) -> None:
    [other] = verify_files([signed["out"] / "report.pdf"], [pki.other_ca_cert])
    assert not other.ok and "does not chain to a trusted CA" in other.line()
    [plain] = _verify(signed["plain"] / "handover.pdf", pki=pki)
    assert plain.problems == ["not signed"]


def test_pkcs12_signs_the_same(pki: Pki, tmp_path: Path) -> None:
    written = _render_set(tmp_path, load("results_ready.json"))
    signing.sign_outputs(_setup(pki, p12=True), tmp_path, written)
    outcomes = _verify(tmp_path / "report.pdf", tmp_path / "results.json", pki=pki)
    assert all(o.ok for o in outcomes) and "no timestamp" in outcomes[0].line()
    # unsigned again: the stale p7s goes, and verify says so
    signing.sign_outputs(None, tmp_path, [tmp_path / "results.json"])
    assert not (tmp_path / "results.json.p7s").exists()


def _report_config(pki: Pki, tmp_path: Path, **report: Any) -> dict[str, Any]:
    return {
        "tenant": {
            "name": "x",
            "api_url": "https://as1.awmdm.com",
            "username": "u",
            "password_env": "P",
            "tenant_code_env": "T",
        },
        "dropship": {"organization_group": "og"},
        "report": {
            "sign_key": str(pki.signer_key),
            "sign_cert": str(pki.signer_cert),
            "sign_passphrase_env": "SIGN_PW",
            **report,
        },
    }


@pytest.mark.parametrize(
    ("report", "passphrase", "message"),
    [
        ({}, None, "report.sign_passphrase_env: environment variable SIGN_PW is not set"),
        ({}, "wrong-Passw0rd", "is not a private key this passphrase opens"),
        ({"sign_cert": "{other}"}, PASSPHRASE, "holds no certificate"),
        (
            {"sign_cert": "{expired}"},
            PASSPHRASE,
            "the certificate is not the one of the private key",
        ),
        ({"sign_key": "{p12}", "sign_cert": "{cert}"}, PASSPHRASE, "not a private key"),
        ({"sign_cert": None, "sign_key": "{cert}"}, PASSPHRASE, "is not a PKCS#12 file"),
        ({"tsa_url": "ftp://tsa"}, PASSPHRASE, "report.tsa_url: expected an http(s) URL"),
    ],
)
def test_bad_signing_settings_are_config_errors(
    pki: Pki, tmp_path: Path, report: dict[str, Any], passphrase: str | None, message: str
) -> None:
    names = {
        "{other}": str(pki.tsa_key),
        "{expired}": str(pki.expired_cert),
        "{p12}": str(pki.signer_p12),
        "{cert}": str(pki.signer_cert),
    }
    data = _report_config(pki, tmp_path, **{k: names.get(v, v) for k, v in report.items()})
    data["report"] = {k: v for k, v in data["report"].items() if v is not None}
    env = {"P": "p", "T": "t", **({"SIGN_PW": passphrase} if passphrase else {})}
    with pytest.raises(ConfigError) as info:
        parse_config(data, file="t.toml", env=env)
    assert message in str(info.value)
    assert PASSPHRASE not in str(info.value) and "wrong-Passw0rd" not in str(info.value)


def test_an_expired_signing_certificate_is_refused_at_load(pki: Pki, tmp_path: Path) -> None:
    data = _report_config(
        pki, tmp_path, sign_key=str(pki.expired_key), sign_cert=str(pki.expired_cert)
    )
    with pytest.raises(ConfigError, match=r"the signing certificate is valid from .* not now"):
        parse_config(data, file="t.toml", env={"P": "p", "T": "t", "SIGN_PW": PASSPHRASE})


def _signed_run(
    pki: Pki, tmp_path: Path, formats: list[str], *, tsa_fails: bool = False
) -> tuple[subprocess.CompletedProcess[str], Path, str]:
    """``ws1-audit run`` against the ready scenario, signing with the PKCS#12 file and the
    loopback TSA: (the process, the output folder, the TSA's URL)."""
    tenant = load_scenario("ready")
    out = tmp_path / "out"
    with SimulatorServer(tenant) as server, LoopbackTSA(pki, fail=tsa_fails) as tsa:
        report = {
            "sign_key": str(pki.signer_p12),
            "sign_passphrase_env": "SIGN_PASSPHRASE",
            "tsa_url": tsa.url,
            "formats": formats,
        }
        config = write_config(tmp_path / "tenant.toml", server.url, report=report)
        env = {**sim_env(tenant), "SIGN_PASSPHRASE": PASSPHRASE}
        proc = ws1("run", "--config", str(config), "--out", str(out), env=env)
    return proc, out, tsa.url


def test_run_signs_and_verify_exits_0_over_the_cli(pki: Pki, tmp_path: Path) -> None:
    proc, out, _url = _signed_run(pki, tmp_path, ["json", "pdf", "handover", "md"])
    assert proc.returncode == 1, proc.stderr  # manual checks: not ready, but signed
    assert "results.json.p7s" in proc.stdout
    files = [str(out / n) for n in ("report.pdf", "handover.pdf", "results.json")]
    good = ws1("verify", *files, "--trust", str(pki.ca_cert))
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count(": OK: signed by Jane Auditor") == 3 and not good.stderr
    bad = ws1("verify", *files)  # the system's CAs do not know the test CA
    assert bad.returncode == 1 and bad.stdout.count("FAILED") == 3 and not bad.stderr
    missing = ws1("verify", str(tmp_path / "nope.pdf"), "--trust", str(pki.ca_cert))
    assert missing.returncode == 1 and "cannot read" in missing.stdout
    usage = ws1("verify", files[0], "--trust", str(tmp_path / "nope.pem"))
    assert usage.returncode == 3 and "--trust" in usage.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(results["report"]) == {"organisation", "logo", "fail_on", "formats"}
    # evaluate --config signs too (here without the TSA, which has stopped)
    config = tmp_path / "tenant.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text("\n".join(x for x in text.splitlines() if "tsa_url" not in x) + "\n")
    again = tmp_path / "again"
    env = {"SIGN_PASSPHRASE": PASSPHRASE}
    args = ["--snapshot", str(out / "snapshot.json"), "--config", str(config), "--out", str(again)]
    evaluated = ws1("evaluate", *args, "--format", "pdf", env=env)
    assert evaluated.returncode == 1, evaluated.stderr
    checked = ws1(
        "verify",
        str(again / "report.pdf"),
        str(again / "results.json"),
        "--trust",
        str(pki.ca_cert),
    )
    assert checked.returncode == 0 and checked.stdout.count("no timestamp") == 2, checked.stdout


def test_a_failing_timestamp_authority_fails_the_run_with_exit_4(pki: Pki, tmp_path: Path) -> None:
    proc, _out, url = _signed_run(pki, tmp_path, ["json"], tsa_fails=True)
    assert proc.returncode == 4, proc.stderr
    # the error is the last line; before it, where the collected snapshot was kept
    *notes, line = proc.stderr.strip().splitlines()
    assert f"the timestamp authority {url} did not give a timestamp" in line
    assert all("snapshot collected by this run is kept" in n for n in notes)


def test_hostile_certificate_names_and_broken_signatures_stay_one_line(
    pki: Pki, tmp_path: Path
) -> None:
    key, cert = extra_signer(pki, "Mallory \x1b[2J\x1b]0;pwned\x07\u202eevil")
    setup = signing.load_signing("<test>", {"sign_key": key, "sign_cert": cert}, PASSPHRASE)
    written = _render_set(tmp_path, load("results_ready.json"))
    signing.sign_outputs(setup, tmp_path, written)
    proc = ws1("verify", str(tmp_path / "report.pdf"), "--trust", str(pki.ca_cert))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout
    assert "signed by Mallory [U+001B][2J[U+001B]]0;pwned[U+0007][U+202E]evil" in proc.stdout
    # a signature dictionary whose /Contents is not a CMS signature
    data = (tmp_path / "report.pdf").read_bytes()
    start = data.rindex(b"/Contents <") + len(b"/Contents <")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[:start] + b"00" * 8 + data[start + 16 :])
    proc = ws1("verify", str(broken), "--trust", str(pki.ca_cert))
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == 1 and not proc.stderr
    assert "FAILED" in proc.stdout
