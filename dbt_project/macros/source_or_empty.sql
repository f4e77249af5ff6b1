{#- A raw table exists only once a file of its source has landed. Selecting from an
    empty, typed set until then lets `dbt build` run on a warehouse with some sources
    missing; the `source()` call keeps the lineage either way. Types are given by their
    DuckDB names (engine_type says them to other engines). -#}
{% macro source_or_empty(table_name, columns) -%}
    {%- set relation = source('raw', table_name) -%}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        (select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ engine_type(data_type) }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
