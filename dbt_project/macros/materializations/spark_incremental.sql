{#-
    `delete+insert` for dbt-spark's incremental materialization, as dbt-duckdb runs it: the
    rows whose unique_key the new rows carry are replaced by them. dbt-spark offers merge
    only for Delta, Iceberg and Hudi; the built-in Parquet tables here get the same result
    by a rewrite (macros/engines/delete_rows.sql). Everything else is dbt-spark's own:
    these two macros are the ones its materialization calls by name, and they hand every
    other strategy back to it.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
  {%- if raw_strategy == 'delete+insert' -%}
    {{ return(raw_strategy) }}
  {%- endif -%}
  {{ return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
  {%- if strategy != 'delete+insert' -%}
    {{ return(dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates)) }}
  {%- endif -%}
  {%- if unique_key is none -%}
    {{ return(get_insert_into_sql(source, target)) }}
  {%- endif -%}
  {%- set keys = [unique_key] if unique_key is string else unique_key -%}
  {#- the new rows as a table: the model's SQL (a temporary view) may read the target -#}
  {%- set added = target.incorporate(path={"identifier": target.identifier ~ "__cdp_added"}, type="table") -%}
  {%- do adapter.drop_relation(added) -%}
  {%- do run_query(work_table_sql(added, "select * from " ~ source)) -%}
  {%- do spark__delete_matching(target, keys, added) -%}
  {%- do run_query(get_insert_into_sql(added, target)) -%}
  {{ return("drop table if exists " ~ added) }}
{% endmacro %}
