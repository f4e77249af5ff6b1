{#- `value` as a SQL string literal that reads the same on every engine. Quotes are doubled
    (standard SQL); a backslash is written as chr(92) beside the literal, because Spark SQL
    treats a backslash in a literal as an escape ('\d' reads 'd') and DuckDB does not: a
    regular expression or a value with a backslash keeps it on both. -#}
{% macro sql_string(value) -%}
    {%- set parts = value | string | replace("'", "''") -%}
    {%- if '\\' in parts -%}
        ('{{ parts.split("\\") | join("' || chr(92) || '") }}')
    {%- else -%}
        '{{ parts }}'
    {%- endif -%}
{%- endmacro %}
