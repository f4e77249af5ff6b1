{#- cdp.yml's consent statements: each compiled by core/consent.py to a select of
    (profile_id, state, stated_at, record_key), run here with its marks filled in. -#}

{% macro consent_statement_definitions() -%}
    {%- set rows = run_query("select purpose, statement_index, source, columns, sql from "
                             ~ ref('stg_cdp__consent_statements') ~ " where sql is not null order by purpose, statement_index").rows
                   if execute else [] -%}
    {{ return(rows) }}
{%- endmacro %}

{#- A statement's select for this engine. A record statement reads every landed copy of
    its source's records (each export adds one); one whose source has not landed yet, or
    whose columns no landed file had, states nothing. -#}
{% macro consent_statement_sql(source_name, columns, sql) -%}
    {%- set copies_mark = '__CDP_RECORD_COPIES_' ~ source_name ~ '__' -%}
    {%- if copies_mark not in sql -%}
        {{ return(resolve_cdp_marks(sql)) }}
    {%- endif -%}
    {%- set events = source('raw', 'events') -%}
    {%- set relation = adapter.get_relation(events.database, events.schema, source_name) -%}
    {%- set landed = (adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list)
                     if relation is not none else [] -%}
    {%- set needed = (columns or '').split(',') | reject('equalto', '') | map('lower') | list -%}
    {%- if relation is none or (needed | reject('in', landed) | list) -%}
        {{ return(no_consent_statements()) }}
    {%- endif -%}
    {%- set order = 'r._cdp_loaded_at desc' ~ (', r._cdp_line desc' if '_cdp_line' in landed else '') -%}
    {%- set copies -%}
        (select resolved.profile_id, landed.*
        from {{ relation }} as landed
        left join {{ ref('int_identity__records_resolved') }} as resolved
            on resolved.source = {{ dbt.string_literal(source_name) }} and resolved.record_key = landed._cdp_record_key)
    {%- endset -%}
    {{ return(resolve_cdp_marks(sql.replace(copies_mark, copies).replace('__CDP_COPY_ORDER__', order))) }}
{%- endmacro %}

{% macro no_consent_statements() -%}
    select cast(null as {{ engine_type('varchar') }}) as profile_id, cast(null as {{ engine_type('varchar') }}) as state,
        cast(null as timestamp) as stated_at, cast(null as {{ engine_type('varchar') }}) as record_key
    where 1 = 0
{%- endmacro %}
