-- The groups of identifiers in the components that need judging
-- (int_identity__judged_components): identifiers that are not weak, linked by records
-- of such identifiers (one person, as far as strong evidence says); or weak identifiers
-- linked by records of weak identifiers alone (a browser aliased to another). group_id is
-- the group's smallest node. int_identity__bridges judges what links the groups.
{{ config(post_hook="{{ drop_component_work_tables() }}") }}

{%- set judged_nodes -%}
    (
        select c.node_id
        from {{ ref('int_identity__components') }} as c
        inner join {{ ref('int_identity__judged_components') }} as j on j.component_id = c.component_id
    )
{%- endset %}
{%- set same_kind_edges -%}
    (
        select e.node_id, e.neighbour_id
        from {{ ref('int_identity__edges') }} as e
        inner join {{ judged_nodes }} as j on j.node_id = e.node_id
        where e.is_weak = e.neighbour_is_weak
    )
{%- endset %}
{%- set labels = identity_judged_labels(judged_nodes, same_kind_edges) %}

with

labels as (
    select * from {{ labels }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

final as (
    select l.node_id, l.label as group_id, n.is_weak
    from labels as l
    inner join nodes as n on n.node_id = l.node_id
)

select * from final
