-- The nodes of the judged components (int_identity__judged_components), each with its
-- component once weak identifiers link only what evidence confirms: its group
-- (int_identity__groups) joined by the weak groups int_identity__bridges links.
-- component_id is the smallest node of the component, as in int_identity__components;
-- a weak group with no home is in none (component_id null). divided: the node's
-- component in int_identity__components holds more than one of these, or a node in none.
-- Every other node keeps its component (the identity_confirmed_components macro).
{{ config(post_hook="{{ drop_component_work_tables() }}") }}

-- depends_on: {{ ref('int_identity__judged_components') }}

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
{%- set labels = identity_judged_labels(units, links) %}

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
        case when u.weak_group_id is not null then null else l.label end as component_id
    from groups as g
    inner join components as c on c.node_id = g.node_id
    left join unit_labels as l on l.node_id = g.group_id
    left join unlinked as u on u.weak_group_id = g.group_id
),

divided as (
    select candidate_id
    from confirmed
    group by candidate_id
    having min(component_id) <> max(component_id) or count(component_id) < count(*)
),

final as (
    select c.node_id, c.component_id, d.candidate_id is not null as divided
    from confirmed as c
    left join divided as d on d.candidate_id = c.candidate_id
)

select * from final
