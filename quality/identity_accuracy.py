"""Score identity resolution against ground truth: pairwise precision and recall.

Pairs are pairs of identifiers. Precision: of the pairs the warehouse put in one
profile, the share that are one person. Recall: of the pairs that are deterministically
linkable, the share put in one profile. Linkable means connected by records whose
identifiers (of those in the truth) all belong to one person: what a perfect resolver
could join from this data without guessing. Junk, shared and invalid values are in no
person's truth, so they count neither way.

This is a test and benchmark tool: it pulls the identifier observations into Python
to find the linkable groups with scipy, which the product itself never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Accuracy:
    precision: float
    recall: float
    predicted_pairs: int
    linkable_pairs: int
    profiles_with_two_peoples_user_ids: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.5f} ({self.predicted_pairs:,} pairs), "
            f"recall {self.recall:.5f} ({self.linkable_pairs:,} linkable pairs), "
            f"profiles with two people's user ids: {self.profiles_with_two_peoples_user_ids}"
        )


def _pairs(column: str) -> str:
    return f"coalesce(sum({column} * ({column} - 1) / 2), 0)"


def _linkable_groups(con: duckdb.DuckDBPyConnection) -> None:
    """Table `linkable`(identifier_type, identifier_value, person_id, linkable_group)."""
    con.sql("""
        create or replace temp table observed as
        select distinct o.source, o.record_key, t.identifier_type, t.identifier_value, t.person_id
        from intermediate.int_identity__identifiers_screened as o
        inner join truth as t on t.identifier_type = o.identifier_type and t.identifier_value = o.identifier_value
        where o.status = 'ok'
    """)
    # records of one person link; every observed identifier is a group of its own at least
    _components(
        con,
        """
        select source, record_key, identifier_type, identifier_value from observed
        where (source, record_key) in (
            select source, record_key from observed group by 1, 2 having count(distinct person_id) = 1
        )
        union all
        select distinct '_self', identifier_type || ':' || identifier_value, identifier_type, identifier_value from observed
        """,
        "linkable_components",
    )
    con.sql("""
        create or replace temp table linkable as
        select distinct o.identifier_type, o.identifier_value, o.person_id, c.profile_id as linkable_group
        from observed o join linkable_components c using (identifier_type, identifier_value)
    """)


def _components(con: duckdb.DuckDBPyConnection, observations_sql: str, table: str) -> None:
    """Connected components of identifiers seen on one record: table (profile_id, type, value)."""
    con.sql(f"create or replace temp table obs as {observations_sql}")
    con.sql("""
        create or replace temp table obs_nodes as
        select row_number() over (order by identifier_type, identifier_value) - 1 as node, *
        from (select distinct identifier_type, identifier_value from obs)
    """)
    edges = con.sql("""
        with r as (
            select o.source, o.record_key, n.node from obs o
            join obs_nodes n using (identifier_type, identifier_value)
        )
        select r.node, a.anchor from r
        join (select source, record_key, min(node) as anchor from r group by 1, 2) a using (source, record_key)
    """).fetchnumpy()
    size = con.sql("select count(*) from obs_nodes").fetchall()[0][0]
    graph = coo_matrix((np.ones(len(edges["node"])), (edges["node"], edges["anchor"])), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    con.register(f"{table}_labels", {"node": np.arange(size), "label": labels})
    con.sql(f"""
        create or replace temp table {table} as
        select 'cc_' || cast(l.label as varchar) as profile_id, n.identifier_type, n.identifier_value
        from obs_nodes n join {table}_labels l using (node)
    """)


def naive_profiles(con: duckdb.DuckDBPyConnection) -> str:
    """The baseline: connected components of every identifier value, no rules at all."""
    _components(
        con,
        "select source, record_key, identifier_type, coalesce(identifier_value, raw_value) as identifier_value "
        "from intermediate.int_identity__identifiers_screened",
        "naive_profiles",
    )
    return "naive_profiles"


def score(warehouse: Path, truth_csv: Path, naive: bool = False) -> Accuracy:
    """Score the warehouse's profiles (or, with `naive`, the no-rules baseline)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.sql(f"create temp table truth as select * from read_csv('{truth_csv}', all_varchar = true)")
        _linkable_groups(con)
        profiles = naive_profiles(con) if naive else "cdp.profile_identifiers"
        con.sql(f"""
            create or replace temp table resolved as
            select p.profile_id, l.*
            from {profiles} as p
            inner join linkable as l on l.identifier_type = p.identifier_type and l.identifier_value = p.identifier_value
        """)
        predicted, correct = con.sql(f"""
            select
                (select {_pairs('n')} from (select count(*) as n from resolved group by profile_id)),
                (select {_pairs('n')} from (select count(*) as n from resolved group by profile_id, person_id))
        """).fetchall()[0]
        linkable, found = con.sql(f"""
            select
                (select {_pairs('n')} from (select count(*) as n from linkable group by linkable_group)),
                (select {_pairs('n')} from (select count(*) as n from resolved group by profile_id, linkable_group))
        """).fetchall()[0]
        mixed = con.sql("""
            select count(*) from (
                select profile_id from resolved where identifier_type = 'user_id'
                group by profile_id having count(distinct person_id) > 1
            )
        """).fetchall()[0][0]
    return Accuracy(
        precision=float(correct / predicted) if predicted else 1.0,
        recall=float(found / linkable) if linkable else 1.0,
        predicted_pairs=int(predicted),
        linkable_pairs=int(linkable),
        profiles_with_two_peoples_user_ids=int(mixed),
    )
