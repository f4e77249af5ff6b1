{#- Each node's component once weak identifiers link only with evidence: the component of
    int_identity__components_confirmed for a node of a judged component (null for a weak
    identifier that links no one), the one of int_identity__components for every other.
    Columns node_id, component_id, divided. int_identity__components_confirmed holds the
    judged components only: most of the graph needs no judging, and its rows are not
    worth writing again. -#}
{% macro identity_confirmed_components() -%}
    (
        select
            c.node_id,
            case when j.node_id is null then c.component_id else j.component_id end as component_id,
            coalesce(j.divided, false) as divided
        from {{ ref('int_identity__components') }} as c
        left join {{ ref('int_identity__components_confirmed') }} as j on j.node_id = c.node_id
    )
{%- endmacro %}
