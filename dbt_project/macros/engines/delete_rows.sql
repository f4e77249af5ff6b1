{#-
    Deleting rows of a kept (incremental) table, on every engine.

    DuckDB, Delta and Iceberg tables delete in place. Spark's built-in Parquet tables have
    no row deletes: there the table is rewritten without the rows, through a work table
    (Spark cannot overwrite a table in the statement that reads it). A rewrite costs the
    whole table, not the rows deleted: docs/spark-design-notes.md says which models pay it.
-#}

{#- file formats whose tables delete rows in place -#}
{% macro table_format_deletes(relation) -%}
    {{ return(target.type != 'spark' or config.get('file_format', 'parquet') in ('delta', 'iceberg', 'hudi')) }}
{%- endmacro %}

{#- every row: for a full rebuild of a kept table that is not dropped -#}
{% macro delete_all_rows(relation) -%}
    {{ return(adapter.dispatch('delete_all_rows', 'cdp')(relation)) }}
{%- endmacro %}

{% macro default__delete_all_rows(relation) -%}
    delete from {{ relation }}
{%- endmacro %}

{% macro spark__delete_all_rows(relation) -%}
    {%- if table_format_deletes(relation) -%}
        delete from {{ relation }}
    {%- else -%}
        truncate table {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Spark: the rows of `target` whose `keys` match a row of `region`, deleted. Runs its
    statements itself (a rewrite is three) and returns a no-op, so that it can stand where
    dbt runs one statement (a pre_hook). -#}
{% macro spark__delete_matching(target, keys, region) -%}
    {%- set matches -%}
        exists (
            select 1 from {{ region }} as r
            where {% for key in keys %}r.{{ key }} = t.{{ key }}{{ " and " if not loop.last }}{% endfor %}
        )
    {%- endset -%}
    {%- if table_format_deletes(target) -%}
        {%- do run_query("delete from " ~ target ~ " as t where " ~ matches) -%}
    {%- else -%}
        {%- do rewrite_without(target, matches) -%}
    {%- endif -%}
    {{ return("select 1") }}
{%- endmacro %}

{#- Rewrite a Parquet table without the rows (alias `t`) for which `condition` holds. -#}
{% macro rewrite_without(target, condition) -%}
    {%- set kept = target.incorporate(path={"identifier": target.identifier ~ "__cdp_kept"}, type="table") -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- do adapter.drop_relation(kept) -%}
    {%- do run_query(work_table_sql(kept, "select " ~ columns ~ " from " ~ target ~ " as t where not " ~ condition)) -%}
    {%- do run_query("insert overwrite table " ~ target ~ " select " ~ columns ~ " from " ~ kept) -%}
    {%- do adapter.drop_relation(kept) -%}
{%- endmacro %}
