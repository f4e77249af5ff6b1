-- Each linkable identifier's component: the smallest node_id it is connected to.
{{ config(post_hook="{{ drop_component_work_tables() }}") }}

{%- set labels = connected_components(ref('int_identity__nodes'), ref('int_identity__edges')) %}

with

labels as (
    select * from {{ labels }}
),

final as (
    select node_id, label as component_id from labels
)

select * from final
