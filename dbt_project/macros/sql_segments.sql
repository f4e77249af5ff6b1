{#-
    SQL segments: plain dbt models under models/marts/segments/sql/, each selecting the
    profile_id of its members; the model's description in the yml beside it is the
    segment's. dbt can only know a ref at parse time, and Jinja cannot list a folder,
    so `cdp` (and Dagster) list the folder into CDP_SQL_SEGMENTS before dbt parses.
    Running dbt by hand: `cdp dbt …` sets it (see the README).
-#}
{% macro sql_segment_models() -%}
    {%- set names = [] -%}
    {%- for name in env_var('CDP_SQL_SEGMENTS', '').split(',') if name.strip() -%}
        {%- do names.append(name.strip()) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro sql_segment_members() -%}
    {%- for name in sql_segment_models() %}
    union all
    select '{{ name }}' as segment, profile_id from {{ ref(name) }}
    {%- endfor %}
{%- endmacro %}

{% macro sql_segment_definitions() -%}
    {%- for name in sql_segment_models() %}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) if execute else none %}
        {%- set description = node.description if node else '' %}
    union all
    select '{{ name }}' as name, '{{ description | replace("'", "''") }}' as description, 'sql' as kind
    {%- endfor %}
{%- endmacro %}
