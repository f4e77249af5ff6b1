-- Each node's component once weak identifiers link only what evidence confirms: in a
-- judged component, its groups (int_identity__groups) joined by the weak groups that
-- int_identity__bridges links; every other component as it is. component_id is the
-- smallest node of the component, as in int_identity__components. A weak group with no
-- home is in none (component_id null). divided: the node's component
-- (int_identity__components) holds more than one of these, or a node in none.
{{ config(post_hook="{{ drop_component_work_tables() }}") }}

{%- set units -%}
    (select distinct group_id as node_id from {{ ref('int_identity__groups') }})
{%- endset %}
{%- set links -%}
    (
        select weak_group_id as node_id, group_id as neighbour_id from {{ ref('int_identity__bridges') }} where is_linked
        union all
        select group_id, weak_group_id from {{ ref('int_identity__bridges') }} where is_linked
    )
{%- endset %}
{%- set labels = connected_components(units, links) %}

with

components as (
    select * from {{ ref('int_identity__components') }}
),

groups as (
    select * from {{ ref('int_identity__groups') }}
),

unit_labels as (
    select * from {{ labels }}
),

-- a weak group beside several groups and linked to none
unlinked as (
    select weak_group_id
    from {{ ref('int_identity__bridges') }}
    group by weak_group_id
    having max(case when is_linked then 1 else 0 end) = 0
),

confirmed as (
    select
        c.node_id,
        c.component_id as candidate_id,
        case
            when g.node_id is null then c.component_id
            when u.weak_group_id is not null then null
            else l.label
        end as component_id
    from components as c
    left join groups as g on g.node_id = c.node_id
    left join unit_labels as l on l.node_id = g.group_id
    left join unlinked as u on u.weak_group_id = g.group_id
),

divided as (
    select candidate_id
    from confirmed
    where candidate_id in (select component_id from {{ ref('int_identity__judged_components') }})
    group by candidate_id
    having min(component_id) <> max(component_id) or count(component_id) < count(*)
),

final as (
    select c.node_id, c.component_id, d.candidate_id is not null as divided
    from confirmed as c
    left join divided as d on d.candidate_id = c.candidate_id
)

select * from final
