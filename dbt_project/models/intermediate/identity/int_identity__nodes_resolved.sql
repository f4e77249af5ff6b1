-- Each node of this build with its profile. A profile's id derives from its anchor: the
-- identifier that named the profile in the last build, while the profile still holds it,
-- so that data landing late (an identifier seen earlier than the anchor) leaves the id
-- alone; otherwise, and among the namers of profiles that merge, the identifier seen
-- first (ties: strongest type, then value). So an id stays the same when data adds
-- identifiers, and a merge keeps the id of the older profile.
-- component_key names the component a limit split the node's profile out of (null when
-- the profile is the whole component): the next incremental build resolves the whole
-- component again when any of it changes, since the split depends on all of it.

-- depends_on: {{ ref('int_identity__region_identifiers') }}

with

-- each read once: the split CTEs below name the tables themselves, since DuckDB copies
-- a CTE whole before the query runs when two parts of it read the CTE
nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

components as (
    select * from {{ ref('int_identity__components_limited') }}
),

-- each identifier's profile in the last build
last_profiles as (
    {{ identity_last_profiles() }}
),

-- the identifiers that named their profile in the last build
namers as (
    select identifier_type, identifier_value
    from last_profiles
    where profile_id = {{ identifier_key('identifier_type', 'identifier_value', 'prf_') }}
),

ranked as (
    select
        n.node_id,
        n.identifier_type,
        n.identifier_value,
        c.component_id,
        row_number() over (
            partition by c.component_id
            order by case when m.identifier_value is null then 1 else 0 end,
                n.first_seen_at, n.priority, n.identifier_type, n.identifier_value
        ) as anchor_rank
    from nodes as n
    inner join components as c on c.node_id = n.node_id
    left join namers as m on m.identifier_type = n.identifier_type and m.identifier_value = n.identifier_value
),

anchors as (
    select
        component_id,
        {{ identifier_key('identifier_type', 'identifier_value', 'prf_') }} as profile_id
    from ranked
    where anchor_rank = 1
),

split_keys as (
    -- a split component's smallest node is the same in any build that resolves it whole
    select c.node_id, {{ identifier_key('n.identifier_type', 'n.identifier_value', 'cmp_') }} as component_key
    from {{ ref('int_identity__components') }} as c
    inner join {{ ref('int_identity__components_limited') }} as l on l.node_id = c.node_id
    inner join {{ ref('int_identity__nodes') }} as n on n.node_id = c.component_id
    where l.was_split
),

-- what a split did to the node: a seed (a profile held back whole is one seed, shown on
-- its first node), or held apart between seeds
split_hits as (
    select node_id, rule as split_rule, detail as split_detail
    from {{ ref('int_identity__limit_seeds') }}
    where node_id = seed_id
    union all
    select
        node_id,
        'held_apart',
        'equally near ' || cast(nearest_seed_count as {{ dbt.type_string() }})
            || ' values it had to be split between: kept in a profile of its own'
    from {{ ref('int_identity__components_limited') }}
    where was_split and best_seed_count > 1
),

final as (
    select
        r.node_id,
        a.profile_id,
        k.component_key,
        h.split_rule,
        h.split_detail
    from ranked as r
    inner join anchors as a on a.component_id = r.component_id
    left join split_keys as k on k.node_id = r.node_id
    left join split_hits as h on h.node_id = r.node_id
)

select * from final
