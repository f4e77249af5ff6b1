"""Benchmark: profile lookups a second from `cdp serve` over a snapshot of N people.

    .venv/bin/python -m bench.profile_api --people 1000000 --clients 8 --seconds 20

The snapshot is made directly with DuckDB, not by a run: `cdp.profiles` with the
mart's columns, about four identifiers a person (`profile_identifiers`), memberships
of five segments, `--events-per-person` events and a `_manifest`, written where
publishing puts it. `cdp serve` indexes it at start (the time to ready is reported,
and the server's memory after the load). `--clients` keep-alive connections over two
client processes then look up emails, one in ten of them unknown, each sent as a
person might type it (upper case, spaces), for `--seconds`. Reported: lookups a second
and p50/p99. Beside it, the floor: the same lookups in one process without HTTP
(normalising, finding, building and encoding the answer). Last, a few pages of recent
events, which are read from the snapshot per request.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import duckdb
import numpy as np
import orjson

from bench.http_load import run_load, start_serve
from core.config import load_config
from core.settings import PUBLISHED_NAME
from server.errors import ApiError
from server.profiles import ProfileStore

REPO = Path(__file__).resolve().parents[1]
READ_KEY = "bench-read-key"
AUTH = "Basic " + base64.b64encode(f"{READ_KEY}:".encode()).decode()
SEGMENTS = ("high_value", "lapsed_customers", "anonymous_cart_abandoners", "newsletter_engaged", "at_risk_high_value")


def email(i: int) -> str:
    return f"person{i}@mail{i % 97}.net"


def write_snapshot(path: Path, people: int, events_per_person: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.sql("create schema cdp")
        con.sql(f"""
        create table cdp.profiles as
        select
            'prf_' || md5(i::varchar)[:24] as profile_id,
            case when i % 10 < 7 then 'u' || i end as user_id,
            'person' || i || '@mail' || (i % 97) || '.net' as email,
            case when i % 2 = 0 then '+1212' || lpad((i % 10000000)::varchar, 7, '0') end as phone,
            'First' || (i % 1000) as first_name, 'Last' || (i % 5000) as last_name,
            'Company ' || (i % 300) as company, 'Title ' || (i % 50) as job_title,
            ['lead', 'customer', 'subscriber'][1 + i % 3] as lifecycle_stage,
            i % 100 || ' Main St' as address_street, 'City ' || (i % 200) as address_city, 'NY' as address_state,
            lpad((i % 99999)::varchar, 5, '0') as address_postal_code, 'US' as address_country,
            (3 + i % 4)::bigint as identifier_count, (i % 3)::bigint as merge_count, false as identity_cap_reached,
            timestamp '2025-01-01' + to_minutes(i % 500000) as first_seen_at,
            timestamp '2026-06-01' + to_minutes(i % 200000) as last_seen_at,
            (i % 12)::bigint as order_count, ((i % 2000) + 0.99)::decimal(38, 2) as online_revenue,
            (i % 4)::bigint as pos_transaction_count, ((i % 300) + 0.5)::decimal(38, 2) as pos_revenue,
            ((i % 2300) + 1.49)::decimal(38, 2) as lifetime_value, (i % 200) + 0.25 as average_order_value,
            timestamp '2026-05-01' + to_minutes(i % 100000) as last_order_at,
            case when i % 4 > 0 then timestamp '2026-04-01' + to_minutes(i % 100000) end as last_pos_transaction_at,
            timestamp '2026-05-01' + to_minutes(i % 100000) as last_purchase_at,
            (1 + i % 5)::bigint as rfm_recency, (1 + i % 5)::bigint as rfm_frequency, (1 + i % 5)::bigint as rfm_monetary,
            ['champions', 'loyal', 'at_risk', 'new', 'hibernating'][1 + i % 5] as rfm_segment,
            (i % 60)::bigint as event_count, (i % 40)::hugeint as page_views, (i % 20)::bigint as session_count,
            timestamp '2026-06-01' + to_minutes(i % 200000) as last_event_at,
            case when i % 5 = 0 then timestamp '2026-06-01' + to_minutes(i % 200000) end as last_cart_view_at,
            ['google / cpc', 'facebook / paid_social', 'direct', 'newsletter / email'][1 + i % 4] as first_touch_channel,
            ['google / cpc', 'direct', 'newsletter / email'][1 + i % 3] as last_touch_channel,
            (i % 30)::hugeint as emails_sent, (i % 12)::hugeint as emails_opened, (i % 4)::hugeint as emails_clicked,
            i % 11 = 0 as email_unsubscribed, i % 11 <> 0 as email_consent,
            (i % 3)::bigint as support_tickets, (i % 2)::hugeint as open_support_tickets
        from range({people}) t(i)
        """)
        con.sql("""
        create table cdp.profile_identifiers as
        with ids as (
            select profile_id, 'email' as identifier_type, email as identifier_value, first_seen_at, last_seen_at from cdp.profiles
            union all select profile_id, 'user_id', user_id, first_seen_at, last_seen_at from cdp.profiles where user_id is not null
            union all select profile_id, 'phone', phone, first_seen_at, last_seen_at from cdp.profiles where phone is not null
            union all select profile_id, 'anonymous_id', md5(profile_id || 'a'), first_seen_at, last_seen_at from cdp.profiles
            union all select profile_id, 'anonymous_id', md5(profile_id || 'b'), first_seen_at, last_seen_at from cdp.profiles
                where hash(profile_id) % 2 = 0
        )
        select *, 3::bigint as observation_count, 'events,crm_contacts' as sources from ids order by random()
        """)
        con.sql("create table cdp.segment_memberships as select s.segment, p.profile_id, p.last_seen_at as entered_at "
                f"from cdp.profiles p, (select unnest({list(SEGMENTS)}) as segment) s where hash(p.profile_id || s.segment) % 8 = 0")
        con.sql(f"""
        create table cdp.events as
        select md5(p.profile_id || n) as message_id, p.profile_id, 'track' as event_type, 'Product Viewed' as event_name,
            null::varchar as page_name, md5(p.profile_id || 'a') as anonymous_id, p.user_id,
            p.last_seen_at - to_hours(n * 7) as event_at, '/products/' || n as page_path,
            null::varchar as page_url, null::varchar as page_referrer, 'google' as campaign_source, 'cpc' as campaign_medium,
            'spring' as campaign_name, 'google / cpc' as channel, '{{"product_id": "sku-1", "price": 19.99}}' as properties,
            'events/collector-x.jsonl' as source_file, now()::timestamp as loaded_at
        from cdp.profiles p, range({events_per_person}) r(n)
        """)
        con.sql("create table cdp._manifest as select 'profiles' as table_name, "
                f"{people}::bigint as row_count, now()::timestamp as published_at, 'bench' as run_id")


def _floor(path: Path, lookups: list[str], seconds: float) -> float:
    """Lookups a second in one process, without HTTP: normalise, find, build, encode."""
    store = ProfileStore(path, load_config(REPO / "cdp.yml").identity, check_seconds=3600)
    store.refresh()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            orjson.dumps(store.profile("email", lookups[done % len(lookups)], None), default=float,
                         option=orjson.OPT_NAIVE_UTC)
        except ApiError:  # an unknown email: a 404, as over HTTP
            pass
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--events-per-person", type=int, default=5)
    args = parser.parse_args()

    rng = random.Random(7)
    lookups = [
        (f"  {email(rng.randrange(args.people)).upper()} " if rng.random() < 0.5 else email(rng.randrange(args.people)))
        if rng.random() < 0.9 else f"stranger{n}@nowhere.net"
        for n in range(50_000)
    ]
    paths = [f"/v1/profiles/email/{quote(value)}" for value in lookups]

    def make(name: str, n: int):
        return "GET", paths[(hash(name) + n) % len(paths)], None, {"Authorization": AUTH}

    with tempfile.TemporaryDirectory(prefix="cdp-profile-bench-") as work:
        root = Path(work)
        published = root / "published"
        published.mkdir()
        started = time.perf_counter()
        write_snapshot(published / PUBLISHED_NAME, args.people, args.events_per_person)
        generated = time.perf_counter() - started
        env = {"CDP_LANDING_DIR": str(root / "landing"), "CDP_WAREHOUSE": str(root / "warehouse.duckdb"),
               "CDP_PUBLISHED_DIR": str(published), "CDP_WRITE_KEYS": "", "CDP_READ_KEYS": READ_KEY}
        serving = start_serve(env, root / "serve.log")
        try:
            result = run_load(serving, make, args.clients, args.seconds, answered=(200, 404))
            rss = serving.rss_mb()
            events = []
            for i in range(50):
                request = http.client.HTTPConnection(serving.host, serving.port, timeout=60)
                begun = time.perf_counter()
                request.request("GET", f"/v1/profiles/email/{email(i * 7919 % args.people)}/events?limit=20",
                                headers={"Authorization": AUTH})
                assert request.getresponse().status == 200
                events.append((time.perf_counter() - begun) * 1000)
        finally:
            serving.stop()
        floor = _floor(published / PUBLISHED_NAME, lookups, min(args.seconds, 10))

    print(f"profile API over a synthetic snapshot of {args.people:,} people (made in {generated:.1f} s), "
          f"{args.clients} clients, {args.seconds:.0f} s on {os.cpu_count()} cores:")
    print(f"  ready (snapshot indexed) in {serving.ready_seconds:.1f} s; server RSS {rss:.0f} MB")
    print(f"  {result.per_second:,.0f} lookups/s, p50 {result.percentile(50):.1f} ms, p99 {result.percentile(99):.1f} ms "
          f"({result.failed} failed)")
    print(f"  floor, the same lookups in one process without HTTP: {floor:,.0f} lookups/s (server {result.per_second / floor:.2f}x)")
    print(f"  recent events (20, {args.events_per_person} a person in the snapshot): p50 {np.percentile(events, 50):.1f} ms, "
          f"p99 {np.percentile(events, 99):.1f} ms over {len(events)} sequential requests")


if __name__ == "__main__":
    main()
