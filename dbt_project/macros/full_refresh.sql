{#-
    Whether the model being built is rebuilt from all history: dbt's own rule (the
    model's `full_refresh` config, else `--full-refresh`), and, when cdp runs dbt, the
    incremental models cdp names in CDP_DBT_FULL_REFRESH (by unique_id): those whose
    definition, or one upstream of them, changed since their last build
    (orchestration/dbt/model_digests.py). Plain dbt sets nothing and gets dbt's rule.
    dbt's materializations and is_incremental() call this macro; the project's own
    version replaces dbt's.
-#}
{% macro should_full_refresh() -%}
    {%- set configured = config.get('full_refresh') -%}
    {%- if configured is not none -%}
        {{ return(configured) }}
    {%- endif -%}
    {{ return(flags.FULL_REFRESH or model.unique_id in refreshed_models()) }}
{%- endmacro %}

{% macro refreshed_models() -%}
    {{ return(env_var('CDP_DBT_FULL_REFRESH', '').split(',') | reject('equalto', '') | list) }}
{%- endmacro %}

{#- Whether any model of a group kept together (config meta full_refresh_group) is rebuilt
    from all history in this build. -#}
{% macro group_is_refreshed(group) -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return(true) }}
    {%- endif -%}
    {%- for unique_id in refreshed_models() -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node and (node.config.meta or {}).get('full_refresh_group') == group -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
