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


def test_cdp_version_prints_the_installed_version(tmp_path):
    from importlib.metadata import version

    result = make_workspace(tmp_path).cdp("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"cdp {version('cdp')}")


def test_a_bare_cdp_dbt_prints_its_usage_instead_of_running_dbt(tmp_path):
    result = make_workspace(tmp_path).cdp("dbt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: cdp dbt DBT_COMMAND")
    assert "cdp dbt build --select profiles+" in " ".join(result.stdout.split())
    assert "Error" not in result.stdout + result.stderr


def test_a_bad_lock_wait_is_named(tmp_path):
    result = make_workspace(tmp_path).cdp("run", CDP_LOCK_WAIT_SECONDS="soon")
    assert result.returncode == 2
    assert "CDP_LOCK_WAIT_SECONDS: 'soon' is not a number of seconds" in result.stderr


def test_forget_misused_or_before_anything_landed_says_what_to_do(tmp_path):
    workspace = make_workspace(tmp_path)
    misused = workspace.cdp("forget", "email")
    assert misused.returncode == 2 and "give TYPE VALUE" in misused.stderr
    early = workspace.cdp("forget", "email", "ann@mail.org")
    assert early.returncode == 2 and "no warehouse" in early.stderr and "ann@mail.org" not in early.stderr
    assert "Traceback" not in misused.stderr + early.stderr
