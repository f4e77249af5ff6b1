{#-
    Views on DuckDB replaced inside the model's transaction, as tables are (table.sql):
    four statements instead of dbt's create beside, rename, rename, commit and drop. A
    run rebuilds every staging view, so this is paid on every run. Other engines keep
    their adapter's view materialization.
-#}
{% materialization view, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='view') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {{ drop_in_transaction(load_cached_relation(this)) }}
  {% call statement('main') -%}
    {{ get_create_view_as_sql(target_relation, sql) }}
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
