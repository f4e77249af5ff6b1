{#-
    Views on DuckDB replaced inside the model's transaction, as tables are (table.sql):
    four statements instead of dbt's create beside, rename, rename, commit and drop. A
    run rebuilds every staging view, so this is paid on every run. Other engines keep
    their adapter's view materialization.
-#}
{% materialization view, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='view') -%}
  {{ start_replacing() }}
  {% call statement('main') -%}
    {{ get_create_view_as_sql(target_relation, sql) }}
  {%- endcall %}
  {{ return(finish_replacing(target_relation)) }}
{% endmaterialization %}
