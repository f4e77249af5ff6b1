{#-
    SQL segments: plain dbt models under models/marts/segments/sql/, each selecting the
    profile_id of its members; the model's description in the yml beside it is the
    segment's. dbt can only know a ref when it parses, and Jinja cannot list a folder, so
    they are listed by name in dbt_project.yml (vars: sql_segments), where plain dbt
    finds them as cdp does. A model in the folder that the list misses stops the build
    (and `cdp` says so before it starts): left out, it would drop out of every segment table.
-#}
{% macro sql_segment_models() -%}
    {%- set names = var('sql_segments', []) or [] -%}
    {%- if execute -%}
        {%- set unlisted = [] -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.fqn[1:-1] == ['marts', 'segments', 'sql'] and node.name not in names -%}
            {%- do unlisted.append(node.name) -%}
        {%- endfor -%}
        {%- if unlisted -%}
            {{ exceptions.raise_compiler_error(
                "SQL segment models " ~ unlisted | join(", ") ~ " (models/marts/segments/sql/) are not listed in "
                ~ "dbt_project.yml's vars.sql_segments: add them there") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}

{% macro sql_segment_members() -%}
    {%- for name in sql_segment_models() %}
    union all
    select '{{ name }}' as segment, profile_id from {{ ref(name) }}
    {%- endfor %}
{%- endmacro %}

{#- The SQL segments by name, as rows of `segment`: the segments this build evaluates besides cdp.yml's. -#}
{% macro sql_segment_names() -%}
    {%- for name in sql_segment_models() %}
    union all
    select '{{ name }}' as segment
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
