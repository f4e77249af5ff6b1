-- Components within the per-profile limits and the reviewed splits, of the components
-- weak identifiers link only with evidence (int_identity__components_confirmed). A component with
-- seeds (int_identity__limit_seeds) is split around them: each node joins the seed
-- nearest to it in the graph. A node equally near two seeds joins the one of lowest
-- tie_rank if there is one (the `a` of an override split); otherwise it is held apart
-- in a profile of its own, because nothing says whose it is. Other components pass unchanged.
{{ config(post_hook="{{ drop_nearest_seeds_work_tables() }}") }}

{#- both ends in the component: a weak identifier kept with one group has edges to others -#}
{%- set edges_within_split_components -%}
    (
        select e.node_id, e.neighbour_id
        from {{ ref('int_identity__edges') }} as e
        inner join {{ identity_confirmed_components() }} as c on c.node_id = e.node_id
        inner join {{ identity_confirmed_components() }} as d on d.node_id = e.neighbour_id
        where c.component_id in (select component_id from {{ ref('int_identity__limit_seeds') }})
            and d.component_id = c.component_id
    )
{%- endset %}
{%- set reached = nearest_seeds(edges_within_split_components, ref('int_identity__limit_seeds')) %}

with

-- the components weak identifiers link only with evidence; a weak identifier in none
-- has no profile (int_identity__nodes_resolved)
components as (
    select * from {{ identity_confirmed_components() }} as c where component_id is not null
),

seeds as (
    select * from {{ ref('int_identity__limit_seeds') }}
),

split_components as (
    select distinct component_id from seeds
),

ranked as (
    -- every row of a node is at its smallest distance, so its rows are its nearest seeds
    select
        r.node_id,
        r.seed_id,
        s.tie_rank,
        count(*) over (partition by r.node_id) as nearest_seed_count,
        min(s.tie_rank) over (partition by r.node_id) as best_rank
    from {{ reached }} as r
    inner join seeds as s on s.node_id = r.seed_id
),

nearest as (
    select node_id, min(seed_id) as seed_id, count(*) as best_seed_count, max(nearest_seed_count) as nearest_seed_count
    from ranked
    where tie_rank = best_rank
    group by node_id
),

final as (
    select
        c.node_id,
        case
            when s.component_id is null then c.component_id
            when n.best_seed_count = 1 then n.seed_id
            else c.node_id
        end as component_id,
        s.component_id is not null as was_split,
        -- split by a limit or by weak identifiers that link only with evidence: the
        -- profile is not the whole component (int_identity__components)
        s.component_id is not null or c.divided as divided,
        n.nearest_seed_count,
        n.best_seed_count
    from components as c
    left join split_components as s on s.component_id = c.component_id
    left join nearest as n on n.node_id = c.node_id
)

select * from final
