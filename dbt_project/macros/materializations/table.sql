{#-
    Tables on DuckDB replaced inside the model's transaction (drop, then create), instead
    of dbt-duckdb's build beside, rename, rename, commit and drop. DuckDB's DDL is
    transactional, so a reader still sees the old table until the commit, a failed build
    keeps it, and a model costs four statements instead of seven: an incremental day
    rebuilds a dozen small identity tables, where dbt's own work per statement was a
    fifth of the day's time. Contracts and Python models go through dbt-duckdb's
    create_table_as as before. Foreign keys between models are not handled (dbt-duckdb
    rebuilds a referenced table's dependents; no model here declares one: dropping a
    referenced table fails with DuckDB's error). Other engines keep their adapter's
    materialization.
-#}
{% materialization table, adapter='duckdb', supported_languages=['sql', 'python'] %}
  {%- set language = model['language'] -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ start_replacing() }}
  {#- the statement is called here: a Python model must be submitted by the materialization itself -#}
  {% call statement('main', language=language) -%}
    {{ create_table_as(False, target_relation, compiled_code, language) }}
  {%- endcall %}
  {{ return(finish_replacing(target_relation)) }}
{% endmaterialization %}

{#- Before the new relation is created: the pre-hooks, then the old relation dropped inside
    the model's transaction (dbt's drop_relation_if_exists runs outside it, so a failed
    build would leave nothing in its place). -#}
{% macro start_replacing() -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- if existing_relation is not none %}
  {% call statement('drop_existing') -%}
    drop {{ existing_relation.type }} if exists {{ existing_relation }}
  {%- endcall %}
  {%- endif %}
{%- endmacro %}

{#- After it: the post-hooks, the docs, the commit; what the materialization returns. -#}
{% macro finish_replacing(target_relation) -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{%- endmacro %}
