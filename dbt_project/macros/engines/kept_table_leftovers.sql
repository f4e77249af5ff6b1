{#-
    What a killed Spark run leaves behind, found before the next one builds on it.

    On Parquet a kept table is rewritten through a work table (macros/engines/delete_rows.sql:
    `<table>__cdp_kept`; macros/materializations/spark_incremental.sql: `<table>__cdp_added`).
    A run killed between the statements leaves that work table, and the kept table may
    then be short of rows (emptied by `insert overwrite`, or without the new rows). Which
    of the two cannot be told from the leftover alone, so the next run stops, naming the
    tables, unless it is a `--full-refresh`: that rebuilds every kept table from all
    history and drops the leftovers first. Called by on-run-start (dbt_project.yml).
    DuckDB, Delta and Iceberg change a table in one transaction: nothing to find there.
-#}
{% macro kept_table_leftovers() -%}
  {{ return(adapter.dispatch('kept_table_leftovers', 'cdp')()) }}
{%- endmacro %}

{% macro default__kept_table_leftovers() -%}
{%- endmacro %}

{% macro spark__kept_table_leftovers() -%}
  {%- if execute and flags.WHICH in ('run', 'build') -%}
    {%- set found = [] -%}
    {%- for row in run_query("show databases") -%}
      {%- for table in run_query("show tables in `" ~ row[0] ~ "` like '*__cdp_kept|*__cdp_added'") -%}
        {%- if not table['isTemporary'] -%}
          {%- do found.append(row[0] ~ "." ~ table['tableName']) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- if found and flags.FULL_REFRESH -%}
      {%- for name in found -%}
        {%- do run_query("drop table if exists " ~ name) -%}
      {%- endfor -%}
      {{ log("Dropped what a killed run left of its kept-table rewrites: " ~ found | join(', '), info=True) }}
    {%- elif found -%}
      {{ exceptions.raise_compiler_error(
          "A run was killed while it rewrote kept tables, and left " ~ found | join(', ')
          ~ ": the tables they belong to may be short of rows. Run once with --full-refresh "
          ~ "(cdp run --full-refresh, or dbt build --full-refresh): it rebuilds them from all "
          ~ "history and drops these copies.") }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{#- A work table of a rewrite, as the statement that makes it. Plain `create table ... as`,
    not dbt's create_table_as: that one, inside a model with an enforced contract, holds
    the work table to the model's declared columns, which a kept table does not yet have
    all of when the contract gained a column (on_schema_change: append_new_columns). -#}
{% macro work_table_sql(relation, sql) -%}
    create table {{ relation }} using {{ config.get('file_format', 'parquet') }} as {{ sql }}
{%- endmacro %}
