{#-
    Data tests of a kept (incremental) table on a daily build check the rows added since
    the last build whose tests of that table all passed, not every row it ever kept.

    A test opts in with `config: meta: {new_rows_by: <column>}`, a column that only grows
    (a landing time) on rows whose tested columns never change once kept. On a build that
    rebuilds the table from all history, on a table no passing build recorded, and for
    plain dbt on a fresh warehouse, the test reads the whole table. A `unique` test reads
    the rows whose value a new row holds, old ones included, so a new row that repeats a
    kept one still fails it.

    The mark (`tested_rows`, one row per table: the column's largest value when its tests
    last passed) moves only at the end of a build in which every such test of the table
    ran and passed (on-run-end, `record_tested_rows`); a failed build leaves it, and the
    next build tests again everything since. A build of the table that rebuilds it whole
    drops its mark first (`forget_tested_rows`, a pre-hook of the marts): should its tests
    fail, the next build still tests every row, not just those past a mark the rebuilt
    rows never passed.
-#}

{% macro tested_rows_relation() -%}
    {#- Spark's target has no database -#}
    {%- set schema = adapter.dispatch('tested_rows_schema', 'cdp')() -%}
    {{ return(api.Relation.create(database=target.get('database'), schema=schema, identifier='tested_rows')) }}
{%- endmacro %}

{% macro default__tested_rows_schema() -%}
    {{ return(target.schema) }}
{%- endmacro %}

{#- Spark's target schema is cdp, the BI tables' (published whole): the marks go beside
    the intermediate models. -#}
{% macro spark__tested_rows_schema() -%}
    {{ return(generate_schema_name('intermediate', none)) }}
{%- endmacro %}

{#- The project's version of dbt's macro: the test's own `where`, and the new-rows limit. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set new_rows = new_rows_condition(relation) -%}
    {%- if new_rows -%}
        {%- do conditions.append(new_rows) -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- '' (every row) or the condition that picks the rows this test has not passed on yet. -#}
{% macro new_rows_condition(relation) -%}
    {%- set column = (config.get('meta') or {}).get('new_rows_by') -%}
    {%- if not execute or not column -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- if tested is none or flags.FULL_REFRESH or tested.unique_id in refreshed_models()
          or tested.config.get('full_refresh') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marks = tested_rows_relation() -%}
    {%- if load_relation(marks) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query(
        'select tested_through from ' ~ marks ~ " where model = '" ~ tested.name ~ "' and column_name = '" ~ column ~ "'"
    ).columns[0].values() -%}
    {%- if not found or found[0] is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set since = column ~ ' > cast(\'' ~ found[0] ~ '\' as ' ~ dbt.type_timestamp() ~ ')' -%}
    {%- if model.test_metadata and model.test_metadata.name == 'unique' -%}
        {{ return(model.column_name ~ ' in (select ' ~ model.column_name ~ ' from ' ~ relation ~ ' where ' ~ since ~ ')') }}
    {%- endif -%}
    {{ return(since) }}
{%- endmacro %}

{#- on-run-end: move the mark of each table all of whose new-rows tests ran and passed
    (a warning leaves it: that test keeps reading every row until it passes). -#}
{% macro record_tested_rows(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set statuses = {} -%}
    {%- for result in results -%}
        {%- do statuses.update({result.node.unique_id: result.status}) -%}
    {%- endfor -%}
    {%- set tables = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' and (node.config.meta or {}).get('new_rows_by') -%}
        {%- set key = (node.attached_node, node.config.meta['new_rows_by']) -%}
        {%- do tables.update({key: tables.get(key, true) and statuses.get(node.unique_id) == 'pass'}) -%}
    {%- endfor -%}
    {%- for (unique_id, column), passed in tables.items() if passed -%}
        {%- set table = graph.nodes[unique_id] -%}
        {%- if load_relation(api.Relation.create(database=table.database, schema=table.schema, identifier=table.alias)) is not none -%}
            {%- do adapter.dispatch('write_tested_rows', 'cdp')(table.name, column, table.relation_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}

{#- pre-hook: a model built whole (not is_incremental(): a full refresh, a changed
    model, its table missing) whose tests read new rows loses its marks before it is
    built. Returns no statement. -#}
{% macro forget_tested_rows() -%}
    {%- if execute and not is_incremental() -%}
        {%- set tested = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.attached_node == model.unique_id
                                                and (node.config.meta or {}).get('new_rows_by') -%}
            {%- do tested.append(node) -%}
        {%- endfor -%}
        {%- set marks = tested_rows_relation() -%}
        {%- if tested and load_relation(marks) is not none -%}
            {%- do adapter.dispatch('delete_tested_rows', 'cdp')(marks, "model = '" ~ model.name ~ "'") -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- Names come from the project's graph, never from data. -#}
{% macro default__write_tested_rows(model_name, column, relation_name) -%}
    {%- set marks = create_tested_rows('') -%}
    {%- do default__delete_tested_rows(marks, tested_rows_of(model_name, column)) -%}
    {%- do insert_tested_rows(marks, model_name, column, relation_name) -%}
{%- endmacro %}

{% macro spark__write_tested_rows(model_name, column, relation_name) -%}
    {%- do adapter.create_schema(tested_rows_relation()) -%}
    {%- set marks = create_tested_rows(' using ' ~ env_var('CDP_SPARK_FILE_FORMAT', 'parquet')) -%}
    {%- do spark__delete_tested_rows(marks, tested_rows_of(model_name, column)) -%}
    {%- do insert_tested_rows(marks, model_name, column, relation_name) -%}
{%- endmacro %}

{% macro default__delete_tested_rows(marks, condition) -%}
    {%- do run_query('delete from ' ~ marks ~ ' where ' ~ condition) -%}
{%- endmacro %}

{#- Spark's Parquet tables cannot delete a row: the marks (a row per tested table) are
    rewritten without it; Delta and Iceberg delete in place. -#}
{% macro spark__delete_tested_rows(marks, condition) -%}
    {%- if env_var('CDP_SPARK_FILE_FORMAT', 'parquet') in ('delta', 'iceberg', 'hudi') -%}
        {%- do default__delete_tested_rows(marks, condition) -%}
    {%- else -%}
        {%- do rewrite_without(marks, '(' ~ condition ~ ')') -%}
    {%- endif -%}
{%- endmacro %}

{% macro create_tested_rows(table_options) -%}
    {%- set marks = tested_rows_relation() -%}
    {%- do run_query('create table if not exists ' ~ marks ~ ' (model ' ~ dbt.type_string() ~ ', column_name '
                     ~ dbt.type_string() ~ ', tested_through ' ~ dbt.type_timestamp() ~ ')' ~ table_options) -%}
    {{ return(marks) }}
{%- endmacro %}

{% macro tested_rows_of(model_name, column) -%}
    {{ return("model = '" ~ model_name ~ "' and column_name = '" ~ column ~ "'") }}
{%- endmacro %}

{% macro insert_tested_rows(marks, model_name, column, relation_name) -%}
    {%- do run_query('insert into ' ~ marks ~ " select '" ~ model_name ~ "', '" ~ column ~ "', max(" ~ column ~ ') from '
                     ~ relation_name) -%}
{%- endmacro %}
