-- The components a weak identifier may bridge: one where a weak identifier (a phone, a
-- browser) is seen beside two different anchors (a landline on two people's records, a
-- browser two emails identified on) or beside another weak identifier (a record of weak
-- identifiers alone). In every other component each weak identifier sits beside one group
-- of strong ones at most, and the component is one profile as it stands.
-- Edges run between each record's anchor and its other identifiers (int_identity__edges),
-- so the strong neighbours of a weak identifier are the anchors of its records.
with

edges as (
    select * from {{ ref('int_identity__edges') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

bridging as (
    select e.node_id
    from edges as e
    inner join nodes as a on a.node_id = e.node_id
    inner join nodes as b on b.node_id = e.neighbour_id
    where a.is_weak
    group by e.node_id
    having count(distinct case when not b.is_weak then b.node_id end) > 1
        or count(case when b.is_weak then 1 end) > 0
),

final as (
    select distinct c.component_id
    from bridging as w
    inner join {{ ref('int_identity__components') }} as c on c.node_id = w.node_id
)

select * from final
