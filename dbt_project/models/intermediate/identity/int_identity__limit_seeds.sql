-- Components that must be split, and the seeds they are split around:
-- * more identifiers of a type than its max_per_profile (two user ids joined through a
--   chain of weaker identifiers: u1 - anon - email - anon - u2): the values of the
--   strongest such type;
-- * both ends of a reviewed `split` in identity.overrides.
-- tie_rank: a node equally near several seeds joins the one seed of lowest rank, if
-- there is exactly one (the `a` of a split); otherwise it is held apart.
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

limit_seeds as (
    select
        c.node_id,
        c.component_id,
        'max_per_profile_split' as rule,
        1 as tie_rank,
        'one of ' || cast(o.value_count as varchar) || ' ' || o.identifier_type
            || ' values linked together (max ' || cast(o.max_per_profile as varchar) || '): split apart' as detail
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
    select node_a as node_id, component_id, 'override_split' as rule, 0 as tie_rank, detail from split_in_one_component
    union all
    select node_b, component_id, 'override_split', 1, detail from split_in_one_component
),

final as (
    -- one row per seed, whichever rules made it one
    select node_id, min(component_id) as component_id, min(rule) as rule, min(tie_rank) as tie_rank, min(detail) as detail
    from (
        select * from limit_seeds
        union all
        select * from override_seeds
    ) as seeds
    group by node_id
)

select * from final
