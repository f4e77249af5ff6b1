-- The components a weak identifier may bridge: one where a weak identifier (a phone, a
-- browser) is seen beside two different anchors (a landline on two people's records, a
-- browser two emails identified on) or beside another weak identifier (a record of weak
-- identifiers alone). In every other component each weak identifier sits beside one group
-- of strong ones at most, and the component is one profile as it stands.
-- Edges run between each record's anchor and its other identifiers (int_identity__edges),
-- so the strong neighbours of a weak identifier are the anchors of its records.
with

bridging as (
    select node_id
    from {{ ref('int_identity__edges') }}
    where is_weak
    group by node_id
    having count(distinct case when not neighbour_is_weak then neighbour_id end) > 1
        or max(case when neighbour_is_weak then 1 else 0 end) = 1
),

final as (
    select distinct c.component_id
    from bridging as w
    inner join {{ ref('int_identity__components') }} as c on c.node_id = w.node_id
)

select * from final
