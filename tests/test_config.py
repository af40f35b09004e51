"""Config loading: every problem is one line naming file, key and expectation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from audit.config import REGION_TOKEN_URLS, Attestation, Config, Waiver, load_config, parse_config
from audit.config_keys import ATTESTATION_KEYS, SCHEMA, WAIVER_KEYS, Key
from audit.config_sections import Section
from audit.errors import ConfigError
from audit.template import config_reference, config_template

MINIMAL = """
[tenant]
name = "Contoso"
api_url = "https://as1234.awmdm.com"
username = "reader"
password_env = "WS1_PASSWORD"
tenant_code_env = "WS1_TENANT_CODE"

[dropship]
organization_group = "contoso"
tags = ["RnD"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_gets_defaults(tmp_path: Path, secret_env: dict[str, str]) -> None:
    config = load_config(write(tmp_path, MINIMAL), env=secret_env)
    assert config.requirements == {
        "min_uem_version": "2105",
        "min_hub_version": "20.10",
        "attestation_max_age_days": 90,
        "max_sync_age_days": 7,
    }
    assert config.collect["concurrency"] == 8 and config.collect["quota_wait_s"] == 120.0
    assert config.report["fail_on"] == "medium"
    assert config.secrets.password == secret_env["WS1_PASSWORD"]
    assert secret_env["WS1_PASSWORD"] not in repr(config) and "WS1_PASSWORD" in repr(config)
    assert secret_env["WS1_PASSWORD"] not in str(config.public_dict())


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("[collect]\nconcurency = 4\n", "collect.concurency", "unknown key"),
        ('[collect]\nconcurrency = "four"\n', "collect.concurrency", "expected an integer"),
        ('[report]\nfail_on = "severe"\n', "report.fail_on", "one of"),
        ('[report]\nformats = ["pdf", "docx"]\n', "report.formats", "list of formats"),
        ("[bogus]\nx = 1\n", "bogus", "unknown section"),
        ('[[waivers]]\ncheck = "uem_version"\n', "waivers[0].justification", "missing"),
        (
            '[[attestations]]\ncheck = "x"\nvalue = "yes"\nby = "a"\ndate = 2026-01-01\n',
            "attestations[0].value",
            "true or false",
        ),
    ],
)
def test_bad_keys_are_one_line_errors(
    tmp_path: Path, secret_env: dict[str, str], extra: str, key: str, words: str
) -> None:
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=secret_env)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path)) and key in message and words in message


def test_missing_secret_env_var_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"tenant.password_env: environment variable WS1_PASSWORD is not set"
    ):
        load_config(write(tmp_path, MINIMAL), env={"WS1_TENANT_CODE": "x"})


def test_missing_required_key(tmp_path: Path, secret_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"dropship.organization_group: missing"):
        load_config(
            write(tmp_path, MINIMAL.replace('organization_group = "contoso"', "")), env=secret_env
        )


def test_malformed_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="malformed TOML"):
        load_config(write(tmp_path, "[tenant\nname="), env={})


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_oauth_region_resolves_token_url(tmp_path: Path, secret_env: dict[str, str]) -> None:
    text = MINIMAL.replace(
        'username = "reader"',
        'auth = "oauth"\nclient_id = "ws1"\nclient_secret_env = "WS1_CLIENT_SECRET"\nregion = "emea"',
    )
    config = load_config(write(tmp_path, text), env=secret_env)
    assert config.token_url == REGION_TOKEN_URLS["emea"]
    assert config.secrets.client_secret == secret_env["WS1_CLIENT_SECRET"]


def test_oauth_needs_token_url_or_region(tmp_path: Path, secret_env: dict[str, str]) -> None:
    text = MINIMAL.replace(
        'username = "reader"',
        'auth = "oauth"\nclient_id = "ws1"\nclient_secret_env = "WS1_CLIENT_SECRET"',
    )
    with pytest.raises(ConfigError, match="token_url"):
        load_config(write(tmp_path, text), env=secret_env)


def test_relative_paths_resolve_beside_the_config(
    tmp_path: Path, secret_env: dict[str, str]
) -> None:
    text = (
        MINIMAL
        + '[report]\nlogo = "logo.png"\n[[attestations]]\ncheck = "hub_auto_update"\nvalue = true\nby = "Jane"\ndate = 2026-11-01\nevidence = "ev/hub.png"\n'
    )
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "hub.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    config = load_config(write(tmp_path, text), env=secret_env)
    assert config.report["logo"] == tmp_path.resolve() / "logo.png"
    assert config.attestations[0].evidence == str(tmp_path.resolve() / "ev/hub.png")
    assert config.attestations[0].date == dt.date(2026, 11, 1)


def test_template_is_valid_and_documents_every_key() -> None:
    text = config_template()
    data = tomllib.loads(text)
    config = parse_config(data, env={"WS1_PASSWORD": "p", "WS1_TENANT_CODE": "t"})
    assert config.dropship["organization_group"] == "contoso"
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for name in keys:
            assert f"{name} = " in text, name


#: The Python type :func:`audit.config_keys.coerce` gives each kind of key.
_KIND_TYPES: dict[str, Any] = {
    "str": str,
    "choice": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": dt.date,
    "path": Path,
    "list[str]": list[str],
    "formats": list[str],
    "list[choice]": list[str],
    "list[str|int]": list[str | int],
}


def _field_type(key: Key) -> Any:
    """A key's field type: optional (``| None``) when it may be unset."""
    kind = _KIND_TYPES[key.kind]
    return kind if key.required or key.default is not None else kind | None


def test_sections_and_schema_cannot_drift() -> None:
    """Every SCHEMA section is a typed Config field, every key a field of its type, in
    SCHEMA's order, and no section or field exists that SCHEMA does not declare."""
    config_fields = get_type_hints(Config)
    sections = {
        name: kind
        for name, kind in config_fields.items()
        if isinstance(kind, type) and issubclass(kind, Section)
    }
    assert list(sections) == list(SCHEMA)
    for name, keys in SCHEMA.items():
        assert dataclasses.is_dataclass(sections[name])
        assert sections[name].__dataclass_params__.frozen, name  # type: ignore[attr-defined]
        hints = get_type_hints(sections[name])
        assert list(hints) == list(keys), name
        for key_name, key in keys.items():
            assert hints[key_name] == _field_type(key), f"{name}.{key_name}"


def test_attestations_and_waivers_match_their_keys() -> None:
    for record, keys in ((Attestation, ATTESTATION_KEYS), (Waiver, WAIVER_KEYS)):
        hints = get_type_hints(record)
        assert list(hints) == list(keys), record
        for name, key in keys.items():
            expected = _field_type(key)
            if key.kind == "list[str]":  # kept as a tuple: the record is frozen
                expected = tuple[str, ...]
            assert hints[name] == expected, f"{record.__name__}.{name}"


def test_sections_are_typed_frozen_and_read_only_mappings(
    tmp_path: Path, secret_env: dict[str, str]
) -> None:
    config = load_config(write(tmp_path, MINIMAL), env=secret_env)
    assert config.tenant.api_url == "https://as1234.awmdm.com" and config.tenant.auth == "basic"
    assert config.dropship.tags == ["RnD"] and config.collect.timeout_s == 30.0
    assert config.tenant["api_url"] == config.tenant.api_url
    assert dict(config.collect) == {k: getattr(config.collect, k) for k in SCHEMA["collect"]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.tenant.api_url = "https://elsewhere.example"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.collect = config.collect  # type: ignore[misc]
    with pytest.raises(KeyError):
        config.tenant["no_such_key"]


def test_config_redactor_knows_every_secret_and_teaches_the_process(
    tmp_path: Path, secret_env: dict[str, str]
) -> None:
    from audit.redact import PROCESS, REDACTED

    config = load_config(write(tmp_path, MINIMAL), env=secret_env)
    password, code = secret_env["WS1_PASSWORD"], secret_env["WS1_TENANT_CODE"]
    for redactor in (config.redactor, PROCESS):
        assert redactor.scrub(f"x {password} {code} y") == f"x {REDACTED} {REDACTED} y"
    learnt = "learnt-from-an-answer-7f3a"
    config.redactor.add(learnt)  # what the recorder learns while collecting
    assert PROCESS.scrub(learnt) == REDACTED


def test_readme_reference_is_generated_from_the_schema() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert config_reference() in readme
