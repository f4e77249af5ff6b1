"""The `cdp` command fails clearly, not with a traceback, on bad setup."""

from __future__ import annotations

from tests.conftest import make_workspace


def test_a_missing_landing_folder_is_a_clear_message(tmp_path):
    workspace = make_workspace(tmp_path)
    result = workspace.cdp("run")
    assert result.returncode == 2
    assert "landing folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_config_value_is_named(tmp_path):
    config = tmp_path / "cdp.yml"
    config.write_text("sources:\n  shop:\n    files: '*.xml'\n    format: xml\n    primary_key: id\nidentity:\n  identifier_types: {}\n")
    workspace = make_workspace(tmp_path)
    result = workspace.cdp("run", CDP_CONFIG=str(config))
    assert result.returncode == 2
    assert "sources.shop.format" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_misspelt_variable_is_named_with_the_one_meant(tmp_path):
    workspace = make_workspace(tmp_path)
    result = workspace.cdp("run", CDP_WAREHOSE=str(tmp_path / "typo.duckdb"))
    assert "CDP_WAREHOSE is set but cdp reads no such variable; did you mean CDP_WAREHOUSE?" in result.stderr


def test_forget_misused_or_before_anything_landed_says_what_to_do(tmp_path):
    workspace = make_workspace(tmp_path)
    misused = workspace.cdp("forget", "email")
    assert misused.returncode == 2 and "give TYPE VALUE" in misused.stderr
    early = workspace.cdp("forget", "email", "ann@mail.org")
    assert early.returncode == 2 and "no warehouse" in early.stderr and "ann@mail.org" not in early.stderr
    assert "Traceback" not in misused.stderr + early.stderr
