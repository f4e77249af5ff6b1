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

{#- connected_components over a judged part of the graph, skipped (no labels) when no
    component needs judging: most builds of clean data, and most days. -#}
{% macro identity_judged_labels(nodes, edges) -%}
    {%- if execute and flags.WHICH in ("run", "build") -%}
        {%- set judged = run_query("select count(*) from " ~ ref('int_identity__judged_components')).columns[0].values()[0] -%}
        {%- if judged == 0 -%}
            {{ return("(select cast(null as " ~ dbt.type_bigint() ~ ") as node_id, cast(null as "
                ~ dbt.type_bigint() ~ ") as label where 1 = 0)") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(connected_components(nodes, edges)) }}
{%- endmacro %}
