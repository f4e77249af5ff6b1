-- Components within the per-profile limits. A component over a limit is split around
-- its seeds (int_identity__limit_seeds): each node joins the seed nearest to it in the
-- graph, and a node equally near to two seeds is held apart in a profile of its own,
-- because nothing says whose it is. Components within the limits pass unchanged.
{{ config(post_hook="{{ drop_nearest_seeds_work_tables() }}") }}

{%- set edges_within_split_components -%}
    (
        select e.node_id, e.neighbour_id
        from {{ ref('int_identity__edges') }} as e
        inner join {{ ref('int_identity__components') }} as c on c.node_id = e.node_id
        where c.component_id in (select component_id from {{ ref('int_identity__limit_seeds') }})
    )
{%- endset %}
{%- set reached = nearest_seeds(edges_within_split_components, ref('int_identity__limit_seeds')) %}

with

components as (
    select * from {{ ref('int_identity__components') }}
),

seeds as (
    select * from {{ ref('int_identity__limit_seeds') }}
),

split_components as (
    select distinct component_id, limit_type, max_per_profile, value_count from seeds
),

nearest as (
    -- every row of a node is at its smallest distance, so its rows are its nearest seeds
    select node_id, min(seed_id) as seed_id, count(*) as nearest_seed_count
    from {{ reached }}
    group by node_id
),

final as (
    select
        c.node_id,
        case
            when s.component_id is null then c.component_id
            when n.nearest_seed_count = 1 then n.seed_id
            else c.node_id
        end as component_id,
        s.limit_type,
        s.max_per_profile,
        s.value_count as limit_type_value_count,
        n.nearest_seed_count
    from components as c
    left join split_components as s on s.component_id = c.component_id
    left join nearest as n on n.node_id = c.node_id
)

select * from final
