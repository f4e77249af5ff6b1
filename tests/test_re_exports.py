"""A CRM contact exported again is merged by its key: the latest `updated_at` wins."""

from __future__ import annotations

from tests.conftest import make_workspace

HEADER = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"


def test_a_re_exported_contact_is_one_contact_and_its_latest_update_wins(tmp_path):
    workspace = make_workspace(tmp_path)
    crm = workspace.landing / "crm"
    crm.mkdir(parents=True)
    (crm / "contacts.csv").write_text(HEADER + "c1,kate@mail.org,,Kate,Lee,Acme,CTO,lead,2026-01-01T00:00:00Z\n")
    first = workspace.cdp("run")
    assert first.returncode == 0, first.stdout + first.stderr

    # the next export updates the stage; one that lands after it but was taken earlier
    # (an old file sent late) must not undo the update
    (crm / "contacts_2.csv").write_text(HEADER + "c1,kate@mail.org,,Kate,Lee,Acme,CTO,customer,2026-02-01T00:00:00Z\n")
    assert workspace.cdp("run").returncode == 0
    (crm / "contacts_3.csv").write_text(HEADER + "c1,kate@mail.org,,Kate,Lee,Acme,CTO,subscriber,2025-12-01T00:00:00Z\n")
    assert workspace.cdp("run").returncode == 0

    assert workspace.scalar("select count(*) from raw.crm_contacts") == 3  # every export is kept as it landed
    assert workspace.query("select contact_id, lifecycle_stage, updated_at::date::varchar from staging.stg_crm__contacts") == [
        ("c1", "customer", "2026-02-01")
    ]
    assert workspace.query("select lifecycle_stage from cdp.profiles where email = 'kate@mail.org'") == [("customer",)]
    assert workspace.scalar("select count(*) from cdp.profiles") == 1
