{#- True when `value` contains a match for the regular expression `pattern`. -#}
{% macro regexp_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'cdp')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(value, pattern) -%}
    regexp_like({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro duckdb__regexp_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regexp_matches(value, pattern) -%}
    ({{ value }} rlike {{ pattern }})
{%- endmacro %}
