{#- Members of every declarative segment: one select per definition, unioned, over the
    profiles, and their computed traits (joined by profile_id; their names never clash) only
    for a predicate that names one (the compiler marks computed traits' columns).
    Predicates were compiled from cdp.yml by core/segment_compiler.py, which quotes every value;
    relative windows arrive as marks and are resolved here against the run's start. -#}
{% macro segment_members(definitions, profiles, computed_traits) -%}
    {%- set rows = run_query("select name, predicate from " ~ definitions ~ " order by name").rows if execute else [] -%}
    {%- if rows | length == 0 %}
    select cast(null as {{ dbt.type_string() }}) as segment, cast(null as {{ dbt.type_string() }}) as profile_id where 1 = 0
    {%- else -%}
        {%- for row in rows %}
    select '{{ row[0] }}' as segment, profile_id
    from {{ profiles }}
            {%- if '__CDP_COLUMN__' in row[1] %} inner join {{ computed_traits }} using (profile_id){% endif %}
    where {{ resolve_cdp_marks(row[1]) }}
            {%- if not loop.last %}
    union all
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro resolve_segment_cutoffs(predicate) -%}
    {%- set state = namespace(sql=predicate) -%}
    {%- for days in modules.re.findall('__CDP_DAYS_AGO_([0-9]+)__', predicate) | unique -%}
        {%- set cutoff = (run_started_at - modules.datetime.timedelta(days=days | int)).strftime('%Y-%m-%d %H:%M:%S') -%}
        {%- set state.sql = state.sql.replace('__CDP_DAYS_AGO_' ~ days ~ '__', "cast('" ~ cutoff ~ "' as timestamp)") -%}
    {%- endfor -%}
    {{ return(state.sql) }}
{%- endmacro %}

{#- The run's start as a timestamp literal: every row a run writes carries the same one. -#}
{% macro run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#- Whether cdp.yml's segment definitions have landed: without them, which declarative
    segments exist is unknown (and none is evaluated). -#}
{% macro segment_definitions_landed() -%}
    {%- set relation = source('raw', 'segment_definitions') -%}
    {{ return(execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{%- endmacro %}
