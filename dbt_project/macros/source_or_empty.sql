{#- A raw table exists only once a file of its source has landed. Selecting from an
    empty, typed set until then lets `dbt build` run on a warehouse with some sources
    missing; the `source()` call keeps the lineage either way. Types are given by their
    DuckDB names (engine_type says them to other engines).

    `optional` names columns of `columns` that a file may leave out (a loyalty export
    without the holder's name): the raw table has them only once a file with them has
    landed, and until then each reads as null. -#}
{% macro source_or_empty(table_name, columns, optional=[]) -%}
    {%- set relation = source('raw', table_name) -%}
    {%- set existing = adapter.get_relation(relation.database, relation.schema, relation.identifier) if execute else relation -%}
    {%- if execute and existing is none -%}
        (select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ engine_type(data_type) }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0)
    {%- elif execute and optional -%}
        {%- set present = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
        {%- set missing = optional | reject('in', present) | list -%}
        {%- if missing -%}
            (select *
            {%- for name in missing %}, cast(null as {{ engine_type(columns[name]) }}) as {{ name }}{% endfor %}
            from {{ relation }})
        {%- else -%}
            {{ relation }}
        {%- endif -%}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
