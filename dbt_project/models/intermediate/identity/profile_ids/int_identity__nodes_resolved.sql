-- Each node of this build with its profile. A profile of the last build keeps its id for
-- as long as it goes on: in the component holding the identifier it was named after, or,
-- when that identifier is in no profile any more, in the component holding most of its
-- identifiers. Data landing late (an identifier seen earlier than the namer) leaves the
-- id alone; a component going on as several profiles (a merge) keeps the id of the one
-- seen first; a new profile is named after its identifier seen first (ties: strongest
-- type, then value). So an id changes only when profiles merge or split. An identifier
-- with no time (only from sources without a timestamp) sorts after those seen at a time,
-- on every engine: `nulls last` is DuckDB's default, and Spark sorts nulls first.
-- component_key names the component (int_identity__components) the rules divided the
-- node's profile out of (null when the profile is the whole component): the next
-- incremental build resolves the whole component again when any of it changes, since
-- the division depends on all of it. A weak identifier that links no one
-- (int_identity__bridges) has a row with no profile.

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

-- each node with its component and its profile in the last build; is_namer: the profile
-- was named after it
placed as (
    select
        n.node_id,
        n.identifier_type,
        n.identifier_value,
        n.first_seen_at,
        n.priority,
        c.component_id,
        p.profile_id as last_profile_id,
        case when p.profile_id = {{ identifier_key('n.identifier_type', 'n.identifier_value', 'prf_') }} then 1 else 0 end as is_namer
    from nodes as n
    inner join components as c on c.node_id = n.node_id
    left join last_profiles as p on p.identifier_type = n.identifier_type and p.identifier_value = n.identifier_value
),

-- each profile of the last build goes on as one component: the one holding its namer, or,
-- when the namer is in none (a weak identifier that no longer links), the one holding
-- most of its identifiers. A claim's representative: the namer, else the claim's
-- identifier seen first (ties: strongest type, then value).
claims as (
    select *
    from (
        select
            last_profile_id,
            component_id,
            is_namer as holds_namer,
            first_seen_at,
            priority,
            identifier_type,
            identifier_value,
            count(*) over (partition by last_profile_id, component_id) as held,
            row_number() over (
                partition by last_profile_id, component_id
                order by is_namer desc, first_seen_at nulls last, priority, identifier_type, identifier_value
            ) as representative_rank
        from placed
        where last_profile_id is not null
    ) as claimed
    where representative_rank = 1
),

heirs as (
    select *
    from (
        select
            *,
            row_number() over (partition by last_profile_id order by holds_namer desc, held desc, component_id) as claim_rank
        from claims
    ) as ranked_claims
    where claim_rank = 1
),

-- a component goes on as the profile it is heir to, and as several (a merge) as the one
-- seen first (ties: the strongest type, then value, of the identifiers they were named
-- after); a new one is named after its identifier seen first
named as (
    select component_id, last_profile_id as profile_id, 0 as is_new, first_seen_at, priority, identifier_type, identifier_value
    from heirs
    union all
    select
        component_id,
        {{ identifier_key('identifier_type', 'identifier_value', 'prf_') }},
        1,
        first_seen_at,
        priority,
        identifier_type,
        identifier_value
    from placed
),

anchors as (
    select component_id, profile_id
    from (
        select
            component_id,
            profile_id,
            row_number() over (
                partition by component_id order by is_new, first_seen_at nulls last, priority, identifier_type, identifier_value
            ) as name_rank
        from named
    ) as ranked_names
    where name_rank = 1
),

split_keys as (
    -- a divided component's smallest node is the same in any build that resolves it whole:
    -- split by a limit, by weak identifiers that link only with evidence, or holding a
    -- weak identifier that links no one
    select c.node_id, {{ identifier_key('n.identifier_type', 'n.identifier_value', 'cmp_') }} as component_key
    from {{ ref('int_identity__components') }} as c
    left join {{ ref('int_identity__components_confirmed') }} as d on d.node_id = c.node_id
    left join {{ ref('int_identity__components_limited') }} as l on l.node_id = c.node_id
    inner join {{ ref('int_identity__nodes') }} as n on n.node_id = c.component_id
    where coalesce(d.divided, false) or coalesce(l.divided, false)
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

-- a weak identifier that no evidence lets join the groups it is beside (one verdict per
-- weak group, shown on each of its identifiers)
bridge_hits as (
    select distinct g.node_id, b.rule, b.detail
    from {{ ref('int_identity__bridges') }} as b
    inner join {{ ref('int_identity__groups') }} as g on g.group_id = b.weak_group_id
    where b.rule = 'unconfirmed'
),

resolved as (
    select
        r.node_id,
        a.profile_id,
        k.component_key,
        coalesce(h.split_rule, b.rule) as split_rule,
        coalesce(h.split_detail, b.detail) as split_detail
    from placed as r
    inner join anchors as a on a.component_id = r.component_id
    left join split_keys as k on k.node_id = r.node_id
    left join split_hits as h on h.node_id = r.node_id
    left join bridge_hits as b on b.node_id = r.node_id
),

-- weak identifiers with no home: on record, in no profile
unlinked as (
    select d.node_id, cast(null as {{ dbt.type_string() }}) as profile_id, k.component_key, b.rule, b.detail
    from {{ ref('int_identity__components_confirmed') }} as d
    inner join split_keys as k on k.node_id = d.node_id
    inner join bridge_hits as b on b.node_id = d.node_id
    where d.component_id is null
),

final as (
    select * from resolved
    union all
    select * from unlinked
)

select * from final
