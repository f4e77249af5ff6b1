-- Each linkable identifier with its profile. A profile's id derives from its anchor, the
-- identifier seen first (ties: strongest type, then value), so it stays the same when
-- later data adds identifiers, and a merge keeps the id of the older profile.
with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

components as (
    select * from {{ ref('int_identity__components_limited') }}
),

ranked as (
    select
        n.*,
        c.component_id,
        row_number() over (
            partition by c.component_id
            order by n.first_seen_at, n.priority, n.identifier_type, n.identifier_value
        ) as anchor_rank
    from nodes as n
    inner join components as c on c.node_id = n.node_id
),

anchors as (
    select
        component_id,
        'prf_' || substr({{ dbt.hash("identifier_type || ':' || identifier_value") }}, 1, 24) as profile_id
    from ranked
    where anchor_rank = 1
),

final as (
    select
        a.profile_id,
        r.node_id,
        r.identifier_type,
        r.identifier_value,
        r.priority,
        r.first_seen_at,
        r.last_seen_at,
        r.observation_count,
        r.sources
    from ranked as r
    inner join anchors as a on a.component_id = r.component_id
)

select * from final
