{#- Schemas are named as configured (`cdp`, `staging`, `intermediate`), not prefixed by
    the target schema, because BI tools are pointed at `cdp.*` by the contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
