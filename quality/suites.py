"""What must hold for landed data and for the marts, as GX expectations over SQL queries.

Row rules are expectations on the rows a query returns; a landed-data query also returns
each row's `_cdp_file` (and line), so a failing sample names the file to look at. Rules
about a whole table (uniqueness, reconciliation) are computed in SQL and their small
result is what GX checks: a chunk can never see that a value repeats in another chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import great_expectations.expectations as gxe

# A timestamp before this, or more than a day in the future, is a clock or parsing bug.
SANE_TIMESTAMPS = "timestamp '2000-01-01' and current_timestamp::timestamp + interval 1 day"


@dataclass(frozen=True)
class Suite:
    name: str
    asset: list[str]  # asset key path the check is on
    sql: str
    expectations: list = field(default_factory=list)
    blocking: bool = True
    description: str = ""
    # Landed rows never change, so each is validated once: a check passes over the rows
    # whose landing time is after the last passed evaluation's (None: the whole result).
    landed_at_column: str | None = None
    # The columns a failing row's sample shows. The sample stays in Dagster's event log,
    # which `cdp forget` does not rewrite, so none of them may hold a person's value (an
    # identifier, a name): the file and line say where to look instead.
    shown: tuple[str, ...] = ()


def _true(column: str) -> gxe.ExpectColumnValuesToBeInSet:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True])


LANDED_AT = "_cdp_loaded_at"

LANDED = [
    Suite(
        name="events_have_ids_and_sane_timestamps",
        asset=["raw", "events"],
        landed_at_column=LANDED_AT,
        description="Every landed event has a messageId, a Segment type, a userId or anonymousId, and a sane timestamp.",
        sql=f"""select message_id, type, anonymous_id, user_id, timestamp,
                   anonymous_id is not null or user_id is not null as has_identifier,
                   cast(timestamp as timestamp) between {SANE_TIMESTAMPS} as timestamp_is_sane, _cdp_loaded_at,
                   _cdp_file, _cdp_line
               from raw.events""",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="message_id"),
            gxe.ExpectColumnValuesToBeInSet(column="type", value_set=["identify", "track", "page", "screen", "alias", "group"]),
            _true("has_identifier"),
            _true("timestamp_is_sane"),
        ],
        shown=("message_id", "type", "timestamp", "has_identifier", "timestamp_is_sane", "_cdp_file", "_cdp_line"),
    ),
    Suite(
        name="orders_have_ids_and_non_negative_totals",
        asset=["raw", "shop_orders"],
        landed_at_column=LANDED_AT,
        description="Every landed order has an id, a non-negative total and a sane creation time.",
        sql=f"""select order_id, total, status, created_at,
                   cast(created_at as timestamp) between {SANE_TIMESTAMPS} as timestamp_is_sane, _cdp_loaded_at,
                   _cdp_file, _cdp_line
               from raw.shop_orders""",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
            gxe.ExpectColumnValuesToBeBetween(column="total", min_value=0),
            _true("timestamp_is_sane"),
        ],
        shown=("order_id", "total", "status", "created_at", "timestamp_is_sane", "_cdp_file", "_cdp_line"),
    ),
    Suite(
        name="pos_amounts_are_non_negative",
        asset=["raw", "pos_transactions"],
        landed_at_column=LANDED_AT,
        description="In-store amounts are not negative (refunds arrive as their own records).",
        sql="select transaction_id, loyalty_id, amount, ts, _cdp_loaded_at, _cdp_file, _cdp_line from raw.pos_transactions",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="transaction_id"),
            gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        ],
        shown=("transaction_id", "amount", "ts", "_cdp_file", "_cdp_line"),
        blocking=False,
    ),
    Suite(
        name="emails_are_parseable",
        asset=["raw", "identifiers"],
        landed_at_column=LANDED_AT,
        description="Every email in raw.identifiers that normalisation accepted has the shape local@domain.tld "
                    "(Segment events land an email there only when normalising changed it; the rest passed a "
                    "stricter check as they arrived).",
        sql="""select source, record_key, coalesce(raw_value, identifier_value) as raw_value, identifier_value,
                      _cdp_loaded_at, _cdp_file from raw.identifiers
               where identifier_type = 'email' and identifier_value is not null""",
        expectations=[
            gxe.ExpectColumnValuesToMatchRegex(column="identifier_value", regex=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"),
        ],
        # a CRM's record key is its contact id, an identifier too
        shown=("source", "_cdp_file"),
    ),
]

MARTS = [
    Suite(
        name="one_row_per_profile",
        asset=["cdp", "profiles"],
        description="No profile_id appears twice in cdp.profiles.",
        sql="select profile_id, count(*) as copies from cdp.profiles group by profile_id having count(*) > 1",
        expectations=[gxe.ExpectTableRowCountToEqual(value=0)],
        shown=("profile_id", "copies"),
    ),
    Suite(
        name="each_identifier_in_one_profile",
        asset=["cdp", "profile_identifiers"],
        description="No identifier belongs to two profiles.",
        sql="""select identifier_type, identifier_value, count(distinct profile_id) as profiles
               from cdp.profile_identifiers group by 1, 2 having count(distinct profile_id) > 1""",
        expectations=[gxe.ExpectTableRowCountToEqual(value=0)],
        shown=("identifier_type", "profiles"),
    ),
    Suite(
        name="revenue_reconciles",
        asset=["cdp", "profiles"],
        description="Lifetime value across profiles equals revenue of the attributed orders and in-store purchases.",
        sql="""select round(coalesce((select sum(lifetime_value) from cdp.profiles), 0)
                     - coalesce((select sum(total) from cdp.orders where is_revenue and profile_id is not null), 0)
                     - coalesce((select sum(amount) from cdp.pos_transactions where profile_id is not null), 0), 2) as difference""",
        expectations=[gxe.ExpectColumnValuesToBeBetween(column="difference", min_value=-0.01, max_value=0.01)],
        shown=("difference",),
    ),
]
