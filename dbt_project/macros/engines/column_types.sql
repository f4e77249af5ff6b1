{#- The engine's name for a column type given by its DuckDB name (`varchar`, `bigint`,
    `double`, `timestamp`, ...), for typed empty relations (source_or_empty). -#}
{% macro engine_type(name) -%}
    {{ return(adapter.dispatch('engine_type', 'cdp')(name)) }}
{%- endmacro %}

{% macro default__engine_type(name) -%}
    {{ return(name) }}
{%- endmacro %}

{#- Spark rejects `varchar` without a length; its text type is `string`. -#}
{% macro spark__engine_type(name) -%}
    {{ return('string' if name | lower in ('varchar', 'text') else name) }}
{%- endmacro %}

{#- dbt.cast: on Spark, `varchar` (the yml's contract types, which are DuckDB's names)
    read as `string`; dbt's contract check casts null to each declared type. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ engine_type(type) }})
{%- endmacro %}
