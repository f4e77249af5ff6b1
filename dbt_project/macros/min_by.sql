{#- The `value` of the row that sorts first (min_by) or last (max_by) by the `order`
    expressions, compared left to right: one hash aggregate, where a row_number window
    would sort every row. -#}
{% macro min_by(value, order) -%}
    {{ return(adapter.dispatch('min_by', 'cdp')(value, order)) }}
{%- endmacro %}

{% macro max_by(value, order) -%}
    {{ return(adapter.dispatch('max_by', 'cdp')(value, order)) }}
{%- endmacro %}

{% macro default__min_by(value, order) -%}
    min_by({{ value }}, struct({{ order | join(', ') }}))
{%- endmacro %}

{% macro default__max_by(value, order) -%}
    max_by({{ value }}, struct({{ order | join(', ') }}))
{%- endmacro %}

{% macro duckdb__min_by(value, order) -%}
    arg_min({{ value }}, row({{ order | join(', ') }}))
{%- endmacro %}

{% macro duckdb__max_by(value, order) -%}
    arg_max({{ value }}, row({{ order | join(', ') }}))
{%- endmacro %}
