{#-
    Whether this run lets the engine merge the small pieces incremental (kept) tables
    gather: once every `compact_kept_tables_every_days`. Called by on-run-start
    (dbt_project.yml).

    DuckDB "vacuums" every table a transaction changed at the next checkpoint, merging
    small row groups with their neighbours: a daily build would pay for it every day, in
    whichever commit the checkpoint fell. So runs
    leave a day's pieces where they are, and the first run of each period merges what
    has gathered (ten days of the identity benchmark's kept tables, vacuumed or not,
    ended with the same row groups but one). Rows are the same either way: only how
    DuckDB stores them changes. Other engines keep their own compaction (Delta's
    OPTIMIZE, for instance).
-#}
{% macro kept_table_compaction() -%}
  {{ return(adapter.dispatch('kept_table_compaction', 'cdp')()) }}
{%- endmacro %}

{% macro default__kept_table_compaction() -%}
{%- endmacro %}

{#- Only for the commands that build models: a `dbt test` or `dbt seed` on the day a merge
    is due would record it without changing a kept table, and the merge would wait a week. -#}
{% macro duckdb__kept_table_compaction() -%}
  {%- if execute and flags.WHICH in ('run', 'build') -%}
    {%- set every = var('compact_kept_tables_every_days') | int -%}
    {%- set done = api.Relation.create(database=target.database, schema=target.schema,
                                        identifier='kept_table_compactions') -%}
    {%- do run_query("create table if not exists " ~ done ~ " (compacted_at timestamptz not null)") -%}
    {%- set due = run_query("select coalesce(max(compacted_at) <= now() - to_days(" ~ every ~ "), true) from " ~ done)
                  .columns[0].values()[0] -%}
    {%- if due -%}
      {#- recorded as the run starts: if the run fails, what it did not merge waits a period -#}
      {%- do run_query("insert into " ~ done ~ " values (now())") -%}
      {{ log("Kept tables: not merged in the last " ~ every ~ " days; DuckDB merges their small row groups in this run.", info=True) }}
      reset max_vacuum_tasks
    {%- else -%}
      set max_vacuum_tasks = 0
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
