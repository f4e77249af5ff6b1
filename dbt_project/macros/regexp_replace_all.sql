{#- `value` with every match of the regular expression `pattern` replaced. -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'cdp')(value, pattern, replacement)) }}
{%- endmacro %}

{#- Spark's regexp_replace replaces every match -#}
{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- DuckDB's replaces the first match only, unless told 'g' -#}
{% macro duckdb__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
