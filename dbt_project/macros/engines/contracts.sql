{#- Enforced contracts on Spark: the declared types are made, not compared.

    Spark types some expressions differently from DuckDB (a sum of decimal(18,2) is
    decimal(28,2) there, decimal(38,2) here; row_number is int there, bigint here), and
    dbt's check compares types exactly. So on Spark the check holds the model to the
    declared column names, and the table is written through a cast of each column to
    its declared type: both engines then publish one schema. On DuckDB the contract
    is dbt's own (the same SQL, so a misnamed column fails there too). -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set built = get_column_schema_from_query(sql) | map(attribute='name') | map('lower') | sort | list -%}
    {%- set declared = model['columns'].values() | map(attribute='name') | map('lower') | sort | list -%}
    {%- if built != declared -%}
        {{ exceptions.raise_compiler_error("contract of " ~ model['name'] ~ ": the model's columns " ~ built
            ~ " are not the declared " ~ declared) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__get_select_subquery(sql) -%}
    select
    {%- for column in model['columns'].values() %}
        cast({{ column['name'] }} as {{ engine_type(column['data_type']) }}) as {{ column['name'] }}{{ "," if not loop.last }}
    {%- endfor %}
    from (
        {{ sql }}
    ) as model_subq
{%- endmacro %}
