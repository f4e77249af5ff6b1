{#- 8-byte floating point, cdp.yml's `double` (core/sql.py's SQL_TYPES). Not dbt's
    type_float(): that is `float`, a 4-byte REAL on DuckDB, which kept an average of
    630.5 / 3 as 210.16667175. DuckDB and Spark both call it `double`; an engine that names
    it otherwise adds `<adapter>__type_double`. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'cdp')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {{ return('double') }}
{%- endmacro %}
