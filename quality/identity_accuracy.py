"""Score identity resolution against ground truth: pairwise precision and recall.

Pairs are pairs of identifiers. Precision: of the pairs the warehouse put in one
profile, the share that are one person. Recall: of the pairs that are deterministically
linkable, the share put in one profile. Linkable means connected by records whose
identifiers (of those in the truth) all belong to one person: what a perfect resolver
could join from this data without guessing. Junk, shared and invalid values are in no
person's truth, so they count neither way.

Over-merged profiles hold identifiers of two or more people. Each is put down to the
type of the identifier that bridged them: one whose records carry identifiers of two
or more people besides itself (a household landline on two people's records, a family
computer beside two people's emails), so that a new class of failure shows up by name.
Where recall goes is counted too: linkable identifiers in no profile, and people whose
identifiers ended in two or more profiles.

This is a test and benchmark tool: it pulls the identifier observations into Python
to find the linkable groups with scipy, which the product itself never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # profiles holding identifiers of two or more people, by the type(s) that bridged them
    over_merged_by_bridge: dict[str, int] = field(default_factory=dict)
    # linkable identifiers in no profile, by type
    unresolved_by_type: dict[str, int] = field(default_factory=dict)
    # people whose linkable identifiers are in two or more profiles
    split_people: int = 0
    # people split (or left partly unresolved), by the kind of record that would have
    # joined the pieces: its source and the types on it ('crm_contacts: email+phone')
    split_by_link: dict[str, int] = field(default_factory=dict)

    @property
    def over_merged_profiles(self) -> int:
        return sum(self.over_merged_by_bridge.values())

    def __str__(self) -> str:
        bridges = ", ".join(f"{kind} {count}" for kind, count in self.over_merged_by_bridge.items())
        unresolved = ", ".join(f"{kind} {count:,}" for kind, count in self.unresolved_by_type.items())
        links = ", ".join(f"{kind} {count:,}" for kind, count in self.split_by_link.items())
        return (
            f"precision {self.precision:.5f} ({self.predicted_pairs:,} pairs), "
            f"recall {self.recall:.5f} ({self.linkable_pairs:,} linkable pairs), "
            f"profiles with two people's user ids: {self.profiles_with_two_peoples_user_ids}; "
            f"over-merged profiles: {self.over_merged_profiles}" + (f" (bridged by {bridges})" if bridges else "")
            + f"; people split over profiles: {self.split_people:,}"
            + (f"; linkable identifiers in no profile: {unresolved}" if unresolved else "")
            + (f"; split by records of {links}" if links else "")
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
        over_merged = dict(con.sql(_over_merged_by_bridge(profiles)).fetchall())
        unresolved = dict(con.sql("""
            select l.identifier_type, count(*) from linkable as l
            where (l.identifier_type, l.identifier_value) not in (select identifier_type, identifier_value from resolved)
                and l.linkable_group in (select linkable_group from linkable group by 1 having count(*) > 1)
            group by 1 order by 2 desc, 1
        """).fetchall())
        split_people = con.sql("""
            select count(*) from (
                select linkable_group from resolved group by 1 having count(distinct profile_id) > 1
            )
        """).fetchall()[0][0]
        split_by_link = dict(con.sql(_split_by_link()).fetchall())
    return Accuracy(
        precision=float(correct / predicted) if predicted else 1.0,
        recall=float(found / linkable) if linkable else 1.0,
        predicted_pairs=int(predicted),
        linkable_pairs=int(linkable),
        profiles_with_two_peoples_user_ids=int(mixed),
        over_merged_by_bridge=over_merged,
        unresolved_by_type=unresolved,
        split_people=int(split_people),
        split_by_link=split_by_link,
    )


def _split_by_link() -> str:
    """(link, people): records of one person whose identifiers ended in two or more
    profiles (or some in none), by source and the types on the record, counted once per person."""
    return """
        with one_person as (
            select source, record_key from observed group by 1, 2 having count(distinct person_id) = 1
        ),
        placed as (
            select o.source, o.record_key, o.identifier_type, o.person_id, coalesce(r.profile_id, '') as profile_id
            from observed as o
            inner join one_person as p on p.source = o.source and p.record_key = o.record_key
            left join resolved as r on r.identifier_type = o.identifier_type and r.identifier_value = o.identifier_value
        ),
        straddling as (
            select source, min(person_id) as person_id,
                string_agg(distinct identifier_type, '+' order by identifier_type) as types
            from placed group by source, record_key having count(distinct profile_id) > 1
        )
        select source || ': ' || types as link, count(distinct person_id) as people
        from straddling group by 1 order by 2 desc, 1 limit 8
    """


def _over_merged_by_bridge(profiles: str) -> str:
    """(bridge types, profiles): each profile holding two or more people's identifiers,
    counted under the types of its bridges, joined with '+' ('none found' if it has none)."""
    return f"""
        with mixed as (
            select profile_id from resolved group by 1 having count(distinct person_id) > 1
        ),
        members as (
            select p.profile_id, p.identifier_type, p.identifier_value
            from {profiles} as p
            where p.profile_id in (select profile_id from mixed)
        ),
        records as (
            select distinct m.profile_id, o.source, o.record_key, m.identifier_type, m.identifier_value
            from members as m
            inner join intermediate.int_identity__identifiers_screened as o
                on o.identifier_type = m.identifier_type and o.identifier_value = m.identifier_value
        ),
        -- the people each identifier's records carry, besides the identifier itself
        beside as (
            select a.profile_id, a.identifier_type, a.identifier_value, count(distinct t.person_id) as people
            from records as a
            inner join records as b
                on b.profile_id = a.profile_id and b.source = a.source and b.record_key = a.record_key
                and (b.identifier_type, b.identifier_value) <> (a.identifier_type, a.identifier_value)
            inner join truth as t on t.identifier_type = b.identifier_type and t.identifier_value = b.identifier_value
            group by 1, 2, 3
        ),
        bridged as (
            select m.profile_id, coalesce(string_agg(distinct b.identifier_type, '+' order by b.identifier_type), 'none found') as bridge
            from mixed as m
            left join beside as b on b.profile_id = m.profile_id and b.people > 1
            group by 1
        )
        select bridge, count(*) from bridged group by 1 order by 2 desc, 1
    """
