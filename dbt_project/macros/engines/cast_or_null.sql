{#- A text value as `data_type`, or null when it is not one: a source's trait is typed on
    landing, but an event may send a trait of the same name with any value, and an event
    property read as a number may hold any text ("n/a"); neither may stop the build. DuckDB's try_cast; Spark's cast already gives null (outside ANSI mode),
    and dbt's safe_cast is a plain cast on DuckDB. -#}
{% macro cast_or_null(value, data_type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'cdp')(value, data_type)) }}
{%- endmacro %}

{% macro default__cast_or_null(value, data_type) -%}
    try_cast({{ value }} as {{ data_type }})
{%- endmacro %}

{% macro spark__cast_or_null(value, data_type) -%}
    {{ dbt.safe_cast(value, data_type) }}
{%- endmacro %}
