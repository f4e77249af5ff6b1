"""Survivorship: each trait's rule in cdp.yml picks the profile's value, retroactively."""

from __future__ import annotations

import json

import pytest

from core.config import ConfigError, parse_config
from tests.conftest import REPO, make_workspace, shipped_config


def write_landing(workspace) -> None:
    crm = workspace.landing / "crm"
    crm.mkdir(parents=True)
    (crm / "contacts.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
        "c1,kate@mail.org,,Katherine,Lee,Acme,CTO,lead,2026-01-01T00:00:00Z\n"
    )
    events = workspace.landing / "events"
    events.mkdir()
    identifies = [
        {"messageId": f"m{i}", "type": "identify", "userId": "u1", "timestamp": f"2026-0{i + 2}-01T00:00:00Z",
         "traits": {"email": "kate@mail.org", "firstName": "Kate", "company": "Initech"}}
        for i in (1, 2)
    ]
    (events / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in identifies))


def config_with_traits(workspace, traits: dict) -> str:
    config = shipped_config()
    config["traits"] = traits
    return workspace.write_config(config)


def kate(workspace) -> tuple:
    return workspace.query("select first_name, company from cdp.profiles where email = 'kate@mail.org'")[0]


def test_each_rule_picks_its_value_and_a_rule_change_applies_to_history(tmp_path):
    workspace = make_workspace(tmp_path)
    write_landing(workspace)

    # the shipped rules: names from the CRM first, company by how often it was seen
    assert workspace.cdp("run", CDP_CONFIG=str(REPO / "cdp.yml")).returncode == 0
    assert kate(workspace) == ("Katherine", "Initech")

    # no rules: the most recent value of each (the web identify of April)
    assert workspace.cdp("run", CDP_CONFIG=config_with_traits(workspace, {})).returncode == 0
    assert kate(workspace) == ("Kate", "Initech")

    # first_seen: the CRM record of January
    config = config_with_traits(workspace, {"company": {"rule": "first_seen"}})
    assert workspace.cdp("run", CDP_CONFIG=config).returncode == 0
    assert kate(workspace) == ("Kate", "Acme")
    assert workspace.query(
        "select rule, source from cdp.profile_traits t join cdp.profiles p using (profile_id) "
        "where p.email = 'kate@mail.org' and t.trait = 'company'"
    ) == [("first_seen", "crm_contacts")]


def test_source_priority_needs_known_sources():
    text = (REPO / "cdp.yml").read_text().replace("sources: [crm_contacts, events]}", "sources: [crm, events]}", 1)
    with pytest.raises(ConfigError, match=r"traits\.first_name\.sources: unknown source 'crm'"):
        parse_config(text)
