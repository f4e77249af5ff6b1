{#- cdp.yml's computed traits and its sources' traits: each compiled by core/computed_traits.py to a select of
    (profile_id, value), run here with its marks filled in for this engine and run. -#}

{#- The columns of cdp.profile_computed_traits beside profile_id, as `t<n>.value as name`
    joins: one left join per trait on the profiles. -#}
{% macro computed_trait_definitions() -%}
    {%- set rows = run_query("select name, data_type, empty_value, sql from " ~ ref('stg_cdp__computed_trait_definitions')
                             ~ " order by name").rows if execute else [] -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro computed_trait_type(data_type) -%}
    {%- set types = {'integer': dbt.type_bigint(), 'double': type_double(), 'boolean': dbt.type_boolean(),
                     'timestamp': dbt.type_timestamp(), 'string': dbt.type_string()} -%}
    {{ return(types[data_type]) }}
{%- endmacro %}

{#- Every mark the compilers leave (core/segment_compiler.py, core/computed_traits.py),
    filled in: the run's clock, event properties, columns, the records of a source. A
    model that calls this names `events` and `int_identity__records_resolved` in
    depends_on hints. -#}
{% macro resolve_cdp_marks(sql) -%}
    {%- set state = namespace(sql=resolve_segment_cutoffs(sql)) -%}
    {%- for kind, name in modules.re.findall('__CDP_PROP_(TEXT|NUMBER)__([A-Za-z0-9_]+?)__END__', state.sql) | unique -%}
        {%- set text = adapter.dispatch('json_text', 'cdp')('r.properties', name) -%}
        {%- set value = text if kind == 'TEXT' else cast_or_null(text, type_double()) -%}
        {%- set state.sql = state.sql.replace('__CDP_PROP_' ~ kind ~ '__' ~ name ~ '__END__', value) -%}
    {%- endfor -%}
    {#- a Segment consent category of the event (core/consent.py) -#}
    {%- for name in modules.re.findall('__CDP_CONSENT_CATEGORY__([A-Za-z0-9_]+?)__END__', state.sql) | unique -%}
        {%- set text = adapter.dispatch('json_text', 'cdp')('r.consent_preferences', name) -%}
        {%- set state.sql = state.sql.replace('__CDP_CONSENT_CATEGORY__' ~ name ~ '__END__', text) -%}
    {%- endfor -%}
    {#- a column name quoted for this engine: Spark reads "x" as a string, `x` as a column -#}
    {%- for name in modules.re.findall('__CDP_COLUMN__([A-Za-z0-9_]+?)__END__', state.sql) | unique -%}
        {%- set state.sql = state.sql.replace('__CDP_COLUMN__' ~ name ~ '__END__', adapter.quote(name)) -%}
    {%- endfor -%}
    {%- if '__CDP_EVENTS__' in state.sql -%}
        {%- set state.sql = state.sql.replace('__CDP_EVENTS__', '(select * from ' ~ ref('events') ~ ')') -%}
    {%- endif -%}
    {#- a source's trait: the model declares `depends_on` profile_traits -#}
    {%- if '__CDP_PROFILE_TRAITS__' in state.sql -%}
        {%- set state.sql = state.sql.replace('__CDP_PROFILE_TRAITS__', '(select * from ' ~ ref('profile_traits') ~ ')') -%}
    {%- endif -%}
    {#- a segment's {consent: purpose}: the model declares `depends_on` profile_consent -#}
    {%- if '__CDP_PROFILE_CONSENT__' in state.sql -%}
        {%- set state.sql = state.sql.replace('__CDP_PROFILE_CONSENT__', '(select * from ' ~ ref('profile_consent') ~ ')') -%}
    {%- endif -%}
    {#- accounts (core/accounts.py): the model declares `depends_on` what it reads -#}
    {%- if '__CDP_ACCOUNT_MEMBERS__' in state.sql -%}
        {%- set state.sql = state.sql.replace('__CDP_ACCOUNT_MEMBERS__', '(select * from ' ~ ref('account_memberships') ~ ')') -%}
    {%- endif -%}
    {%- if '__CDP_ACCOUNT_SEGMENTS__' in state.sql -%}
        {%- set state.sql = state.sql.replace('__CDP_ACCOUNT_SEGMENTS__',
                                              '(select * from ' ~ ref('account_segment_memberships') ~ ')') -%}
    {%- endif -%}
    {%- for name in modules.re.findall('__CDP_RECORDS_([a-z][a-z0-9_]*?)__', state.sql) | unique -%}
        {%- set state.sql = state.sql.replace('__CDP_RECORDS_' ~ name ~ '__', '(' ~ source_records(name) ~ ')') -%}
    {%- endfor -%}
    {{ return(state.sql) }}
{%- endmacro %}

{#- A source's landed records, the latest copy of each, with the profile each belongs to;
    an empty set (with profile_id) while nothing of it has landed. -#}
{% macro source_records(name) -%}
    {%- set relation = landed_relation(name) -%}
    {%- if relation is none -%}
        select cast(null as {{ dbt.type_string() }}) as profile_id where 1 = 0
    {%- else -%}
        {#- files number their lines; an API's records have none -#}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- set latest = '_cdp_loaded_at desc' ~ (', _cdp_line desc' if '_cdp_line' in columns else '') -%}
        select resolved.profile_id, landed.*
        from ({{ deduplicate(relation, '_cdp_record_key', latest) }}) as landed
        inner join {{ ref('int_identity__records_resolved') }} as resolved
            on resolved.source = '{{ name }}' and resolved.record_key = landed._cdp_record_key
    {%- endif -%}
{%- endmacro %}

{% macro default__json_text(column, name) -%}
    json_extract_string({{ column }}, '$.{{ name }}')
{%- endmacro %}

{% macro spark__json_text(column, name) -%}
    get_json_object({{ column }}, '$.{{ name }}')
{%- endmacro %}

{#- A source's raw table, or none while nothing of it has landed. -#}
{% macro landed_relation(name) -%}
    {%- set events = source('raw', 'events') -%}
    {{ return(adapter.get_relation(events.database, events.schema, name)) }}
{%- endmacro %}
