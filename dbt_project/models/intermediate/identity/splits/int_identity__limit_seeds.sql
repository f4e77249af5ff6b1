-- Components that must be split, and the seeds they are split around:
-- * more identifiers of a type than its max_per_profile (two user ids joined through a
--   chain of weaker identifiers: u1 - anon - email - anon - u2): the values of the
--   strongest such type;
-- * both ends of a reviewed `split` in identity.overrides.
-- * a component that would merge profiles of the last run when one of them is at a cap
--   (identity.max_identifiers_per_profile, max_merges_per_profile) or when together they
--   would go over max_identifiers_per_profile: each of those profiles is a seed (seed_id
--   shared by its identifiers), so it is held back from merging and new identifiers join
--   the nearest.
-- A seed grows by the rest of its profile of the last build when that profile holds no
-- other seed: what a profile held stays with it, and only new identifiers join the nearest.
-- tie_rank: a node equally near several seeds joins the one seed of lowest rank, if
-- there is exactly one (the `a` of a split); otherwise it is held apart.

-- depends_on: {{ ref('stg_cdp__identity_caps') }}
-- depends_on: {{ ref('int_identity__region_identifiers') }}
{#- The last run's profiles are read by name: a ref would be a cycle, since this run
    rebuilds them from this model. Absent on a first run, when nothing is held back. -#}
{%- set profiles_node = graph.nodes.get('model.cdp.profiles') if execute else none -%}
{%- set last_profiles = adapter.get_relation(database=profiles_node.database, schema=profiles_node.schema,
        identifier=profiles_node.alias) if profiles_node else none %}

with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

-- the components weak identifiers link only with evidence (int_identity__components_confirmed)
components as (
    select node_id, component_id from {{ identity_confirmed_components() }} as c where component_id is not null
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

limit_seeds as (
    select
        c.node_id,
        c.component_id,
        c.node_id as seed_id,
        'max_per_profile_split' as rule,
        1 as tie_rank,
        'one of ' || cast(o.value_count as {{ dbt.type_string() }}) || ' ' || o.identifier_type
            || ' values linked together (max ' || cast(o.max_per_profile as {{ dbt.type_string() }}) || '): split apart' as detail
    from over_limit as o
    inner join components as c on c.component_id = o.component_id
    inner join nodes as n on n.node_id = c.node_id and n.identifier_type = o.identifier_type
    where o.type_rank = 1
),

split_pairs as (
    select a.node_id as node_a, b.node_id as node_b, o.reason
    from {{ ref('stg_cdp__identity_overrides') }} as o
    inner join nodes as a on a.identifier_type = o.type_a and a.identifier_value = o.value_a
    inner join nodes as b on b.identifier_type = o.type_b and b.identifier_value = o.value_b
    where o.action = 'split'
),

split_in_one_component as (
    select
        p.node_a,
        p.node_b,
        ca.component_id,
        'kept apart by ' || p.reason as detail
    from split_pairs as p
    inner join components as ca on ca.node_id = p.node_a
    inner join components as cb on cb.node_id = p.node_b
    where cb.component_id = ca.component_id
),

override_seeds as (
    -- `b` is taken out of `a`'s profile: what is as near to both stays with `a`
    select node_a as node_id, component_id, node_a as seed_id, 'override_split' as rule, 0 as tie_rank, detail
    from split_in_one_component
    union all
    select node_b, component_id, node_b, 'override_split', 1, detail from split_in_one_component
),

single_seeds as (
    -- one row per seed, whichever rules made it one
    select
        node_id,
        min(component_id) as component_id,
        node_id as seed_id,
        min(rule) as rule,
        min(tie_rank) as tie_rank,
        min(detail) as detail
    from (
        select * from limit_seeds
        union all
        select * from override_seeds
    ) as seeds
    group by node_id
),

-- the profile the last build gave each node of a component to split (none on a first build)
node_last_profiles as (
    select n.node_id, c.component_id, a.profile_id
    from ({{ identity_last_profiles() }}) as a
    inner join nodes as n on n.identifier_type = a.identifier_type and n.identifier_value = a.identifier_value
    inner join components as c on c.node_id = n.node_id
    where c.component_id in (select component_id from single_seeds)
),

-- a profile of the last build holding exactly one seed keeps together with it: a conflict
-- (Pia's email typed by another user) does not move an established identifier
growing as (
    select l.component_id, l.profile_id, min(s.seed_id) as seed_id
    from node_last_profiles as l
    inner join single_seeds as s on s.node_id = l.node_id
    group by l.component_id, l.profile_id
    having count(distinct s.seed_id) = 1
),

grown_seeds as (
    select l.node_id, l.component_id, g.seed_id, s.rule, s.tie_rank, s.detail
    from node_last_profiles as l
    inner join growing as g on g.component_id = l.component_id and g.profile_id = l.profile_id
    inner join single_seeds as s on s.node_id = g.seed_id
    where l.node_id not in (select node_id from single_seeds)
),

{% if last_profiles is not none %}
caps as (
    select * from {{ ref('stg_cdp__identity_caps') }}
),

-- the profile the last build gave each identifier (none without kept assignments, and
-- then no profile is held back)
last_assigned as (
    {{ identity_last_profiles() }}
),

last_profile_of_node as (
    -- an override split's ends stay seeds of their own
    select c.component_id, n.node_id, a.profile_id as last_profile_id
    from last_assigned as a
    inner join nodes as n on n.identifier_type = a.identifier_type and n.identifier_value = a.identifier_value
    inner join components as c on c.node_id = n.node_id
    left join override_seeds as o on o.node_id = n.node_id
    where o.node_id is null
),

at_cap as (
    -- today's caps, so that raising one lets held-back profiles merge on the next run
    select p.profile_id
    from {{ last_profiles }} as p
    cross join caps
    where p.identifier_count > caps.max_identifiers_per_profile or p.merge_count >= caps.max_merges_per_profile
),

component_sizes as (
    select component_id, count(*) as identifier_count from components group by component_id
),

held_back as (
    select
        l.component_id,
        count(distinct l.last_profile_id) as last_profiles,
        max(s.identifier_count) as identifier_count,
        count(distinct x.profile_id) as profiles_at_cap,
        min(x.profile_id) as a_profile_at_cap
    from last_profile_of_node as l
    inner join component_sizes as s on s.component_id = l.component_id
    left join at_cap as x on x.profile_id = l.last_profile_id
    cross join caps
    group by l.component_id, caps.max_identifiers_per_profile
    having count(distinct l.last_profile_id) > 1
        and (count(distinct x.profile_id) > 0 or max(s.identifier_count) > caps.max_identifiers_per_profile)
),

cap_seeds as (
    select
        l.node_id,
        l.component_id,
        min(l.node_id) over (partition by l.component_id, l.last_profile_id) as seed_id,
        'cap_held_back' as rule,
        1 as tie_rank,
        'profile ' || l.last_profile_id || ' held back from merging with '
            || cast(h.last_profiles - 1 as {{ dbt.type_string() }}) || ' other profile(s): '
            || case
                when h.profiles_at_cap > 0 then 'profile ' || h.a_profile_at_cap
                    || case when h.profiles_at_cap > 1 then ' (and ' || cast(h.profiles_at_cap - 1 as {{ dbt.type_string() }}) || ' more)' else '' end
                    || ' is at a cap (identity.max_identifiers_per_profile or max_merges_per_profile)'
                else 'together ' || cast(h.identifier_count as {{ dbt.type_string() }}) || ' identifiers, over identity.max_identifiers_per_profile'
            end as detail
    from last_profile_of_node as l
    inner join held_back as h on h.component_id = l.component_id
),
{% else %}
cap_seeds as (
    select node_id, component_id, seed_id, rule, tie_rank, detail from single_seeds where 1 = 0
),
{% endif %}

final as (
    -- the last run kept each held-back profile within max_per_profile: its group wins
    select * from cap_seeds
    union all
    select s.*
    from (
        select * from single_seeds
        union all
        select * from grown_seeds
    ) as s
    left join cap_seeds as c on c.node_id = s.node_id
    where c.node_id is null
)

select * from final
