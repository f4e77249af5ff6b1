{#- A stable id named after one identifier: a profile's after its anchor ('prf_'), a split
    component's after its smallest node ('cmp_'). The same in every build and engine. -#}
{% macro identifier_key(type_column, value_column, prefix) -%}
    '{{ prefix }}' || substr({{ dbt.hash(type_column ~ " || ':' || " ~ value_column) }}, 1, 24)
{%- endmacro %}
