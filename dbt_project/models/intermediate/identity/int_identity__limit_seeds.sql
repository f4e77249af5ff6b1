-- Components holding more identifiers of a type than its max_per_profile (two user ids
-- joined through a chain of weaker identifiers: u1 - anon - email - anon - u2). The
-- values of the strongest such type become seeds that the component is split around.
with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

components as (
    select * from {{ ref('int_identity__components') }}
),

limits as (
    select identifier_type, priority, max_per_profile
    from {{ ref('stg_cdp__identifier_types') }}
    where max_per_profile is not null
),

over_limit as (
    select
        c.component_id,
        n.identifier_type,
        l.max_per_profile,
        count(*) as value_count,
        row_number() over (partition by c.component_id order by min(l.priority), n.identifier_type) as type_rank
    from nodes as n
    inner join components as c on c.node_id = n.node_id
    inner join limits as l on l.identifier_type = n.identifier_type
    group by c.component_id, n.identifier_type, l.max_per_profile
    having count(*) > l.max_per_profile
),

final as (
    select
        c.node_id,
        c.component_id,
        o.identifier_type as limit_type,
        o.max_per_profile,
        o.value_count
    from over_limit as o
    inner join components as c on c.component_id = o.component_id
    inner join nodes as n on n.node_id = c.node_id and n.identifier_type = o.identifier_type
    where o.type_rank = 1
)

select * from final
