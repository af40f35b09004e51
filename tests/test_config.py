"""Config loading: every problem is one line naming file, key and expectation."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from audit.config import REGION_TOKEN_URLS, load_config, parse_config
from audit.errors import ConfigError
from audit.template import config_template

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
    from audit.config_keys import SCHEMA

    text = config_template()
    data = tomllib.loads(text)
    config = parse_config(data, env={"WS1_PASSWORD": "p", "WS1_TENANT_CODE": "t"})
    assert config.dropship["organization_group"] == "contoso"
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for name in keys:
            assert f"{name} = " in text, name
