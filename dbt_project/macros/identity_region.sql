{#-
    The identity graph is resolved again only where new data can change it: the region
    (int_identity__region_identifiers). Three models keep their rows between runs and
    replace the region's: int_identity__shared_identifiers, int_identity__nodes_assigned
    and int_identity__records_resolved. The last two also take the quiet records outside
    the region (int_identity__quiet_records), which change nothing but counts, and
    int_identity__record_signatures keeps what tells them apart. int_identity__resolutions
    records the landing time each finished build resolved up to. The other identity
    models hold the region alone, or, on a full build, everything.

    A build is full when run with --full-refresh, or when cdp rebuilds the identity
    models from all history (their definition changed: macros/full_refresh.sql); when
    one of those tables or int_identity__resolution_starts is missing (a first build, or
    a table dropped); and when the last build to start did not finish. The kept rows must all come from
    builds that resolved the same history.
-#}
{% macro identity_is_incremental() -%}
    {%- if not execute or group_is_refreshed('identity') -%}
        {{ return(false) }}
    {%- endif -%}
    {#- The answer is the invocation's, and eighteen models ask: it is looked up once and
        kept in `graph`, the one dict an invocation's nodes share (a query each cost a day's
        build 0.13 s). -#}
    {%- if 'cdp_identity_is_incremental' not in graph -%}
        {%- do graph.update({'cdp_identity_is_incremental': identity_last_build_finished()}) -%}
    {%- endif -%}
    {{ return(graph['cdp_identity_is_incremental']) }}
{%- endmacro %}

{#- Whether the kept tables all exist and the last build to start, other than this one,
    finished. -#}
{% macro identity_last_build_finished() -%}
    {%- for name in ['int_identity__shared_identifiers', 'int_identity__nodes_assigned',
                     'int_identity__records_resolved', 'int_identity__record_signatures',
                     'int_identity__resolution_starts', 'int_identity__resolutions'] -%}
        {%- if identity_kept_relation(name) is none -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set unfinished = run_query(
        "select count(*) from (select invocation_id from " ~ identity_kept_relation('int_identity__resolution_starts')
        ~ " where invocation_id <> '" ~ invocation_id ~ "' order by started_at desc limit 1) as s"
        ~ " where not exists (select 1 from " ~ identity_kept_relation('int_identity__resolutions')
        ~ " as r where r.invocation_id = s.invocation_id)"
    ).columns[0].values()[0] -%}
    {{ return(unfinished == 0) }}
{%- endmacro %}

{#- A kept identity table as it stands before this build writes it; read by name where a
    ref would be a cycle (the region is computed from the last build's results). -#}
{% macro identity_kept_relation(name) -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ name) -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#- The observations the graph is built from: every linkable one on a full build, the
    region's on an incremental one. -#}
{% macro identity_observations() -%}
    {%- if identity_is_incremental() -%}
        {{ ref('int_identity__region_observations') }}
    {%- else -%}
        (select * from {{ ref('int_identity__identifiers_screened') }} where status = 'ok')
    {%- endif -%}
{%- endmacro %}

{#- The hashes of the records that observe one of `identifiers` (identifier_type,
    identifier_value), and perhaps of a few others: hashes can collide, so a caller keeps
    the records that match by value. This pass over every observation reads two integer
    columns, where matching by value reads the strings of every row. -#}
{% macro identity_candidate_records(identifiers) -%}
    select distinct o.record_hash
    from {{ ref('int_identity__identifiers_screened') }} as o
    where o.identifier_hash in (
        select {{ identity_hash(['i.identifier_type', 'i.identifier_value']) }} from {{ identifiers }} as i
    )
{%- endmacro %}

{#- Each identifier's profile in the last build (identifier_type, identifier_value,
    profile_id; none for a weak one that linked no one): the kept assignments on a full
    build, the region's on an incremental one,
    where every node of the build is an identifier of the region (and on a first build,
    when there are none, the region is empty). -#}
{% macro identity_last_profiles() -%}
    {%- set kept = identity_kept_relation('int_identity__nodes_assigned')
        if execute and not identity_is_incremental() else none -%}
    {%- if kept is not none %}
    select identifier_type, identifier_value, profile_id from {{ kept }}
    where profile_id is not null
    {%- else %}
    select identifier_type, identifier_value, last_profile_id as profile_id
    from {{ ref('int_identity__region_identifiers') }}
    where last_profile_id is not null
    {%- endif %}
{%- endmacro %}

{#- No identifiers: what the region models hold on a full build. -#}
{% macro identity_no_identifiers() -%}
    select
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value
    where 1 = 0
{%- endmacro %}

{#- No rows of int_identity__nodes_assigned, with its columns: what the models read beside
    it hold on a full build. -#}
{% macro identity_no_assignments() -%}
    select
        cast(null as {{ dbt.type_string() }}) as profile_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value,
        cast(null as {{ dbt.type_int() }}) as priority,
        cast(null as {{ dbt.type_timestamp() }}) as first_seen_at,
        cast(null as {{ dbt.type_timestamp() }}) as last_seen_at,
        cast(null as {{ dbt.type_bigint() }}) as observation_count,
        cast(null as {{ dbt.type_string() }}) as sources,
        cast(null as {{ dbt.type_string() }}) as component_key,
        cast(null as {{ dbt.type_string() }}) as split_rule,
        cast(null as {{ dbt.type_string() }}) as split_detail
    where 1 = 0
{%- endmacro %}

{#- The ok observations of the records whose hash is in the relation `records` (record_hash),
    with only the columns the graph reads: a region's records are spread over the whole
    table, and every column kept is a column read for every row (none: no rows, same
    columns). A caller matches the records by value: hashes can collide. -#}
{% macro identity_observations_of(records) -%}
    select o.source, o.record_key, o.identifier_type, o.identifier_value, o.priority, o.observed_at
    from {{ ref('int_identity__identifiers_screened') }} as o
    {%- if records is none %}
    where 1 = 0
    {%- else %}
    where o.status = 'ok' and o.record_hash in (select record_hash from {{ records }})
    {%- endif %}
{%- endmacro %}

{#- A 64-bit integer hash of the columns, kept beside the observations so that the region's
    lookups among all of them probe integers. DuckDB's hash may change between its
    versions: a new version makes the next build full (orchestration/dbt/build_inputs.py).
    CDP_IDENTITY_HASH_BUCKETS (tests only, for a warehouse's whole life) folds the hashes
    into that many values, so that nearly all collide and only matching by value is left. -#}
{% macro identity_hash(columns) -%}
    {%- set hashed = adapter.dispatch('identity_hash', project_name)(columns) -%}
    {%- set buckets = env_var('CDP_IDENTITY_HASH_BUCKETS', '') -%}
    {%- if buckets -%}
        ({{ hashed }} % {{ buckets | int }})
    {%- else -%}
        {{ hashed }}
    {%- endif -%}
{%- endmacro %}

{% macro default__identity_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro duckdb__identity_hash(columns) -%}
    cast(hash({{ columns | join(', ') }}) >> 1 as bigint)
{%- endmacro %}

{#- pre_hook of a kept model: take out the rows the build replaces (the region's on an
    incremental build, none when region is none; all on a full one), then the model
    appends the new ones. -#}
{% macro identity_replace_rows(keys, region) -%}
    {%- if not is_incremental() -%}
        select 1
    {%- elif identity_is_incremental() -%}
        {%- if region is none -%}
            select 1
        {%- else -%}
            {{ return(adapter.dispatch('delete_matching', project_name)(this, keys, region)) }}
        {%- endif -%}
    {%- else -%}
        {{ delete_all_rows(this) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__delete_matching(target, keys, region) -%}
    delete from {{ target }}
    where exists (
        select 1 from {{ region }} as r
        where {% for key in keys %}r.{{ key }} = {{ target.identifier }}.{{ key }}{{ " and " if not loop.last }}{% endfor %}
    )
{%- endmacro %}

{#- Aggregates of a record's ok observations that two records holding the same identifiers
    share: how many, and a sum of their hashes. Integers, so that a full build finds every
    record's in one pass over two integer columns; equal signatures are only candidates,
    since hashes and sums can collide (int_identity__changed_records compares the values). -#}
{% macro identity_signature() -%}
    count(*) as identifier_count,
    sum(identifier_hash % 2147483647) as signature_sum
{%- endmacro %}
