-- The identifiers that may link records: valid, not blocked, not shared (unless a reviewed
-- merge in identity.overrides names them); on an
-- incremental build, the region's (int_identity__region_identifiers). node_id is an
-- integer for cheap joins in the component rounds; it is local to one build, numbered in
-- the same order a full build would number them. is_weak: of a weak type (a phone, a
-- browser), which links otherwise separate groups of identifiers only with evidence
-- (int_identity__bridges).
-- Strongest types get the smallest ids: a record's star is centred on its strongest
-- identifier, so its centre is also its smallest node and the component rounds finish
-- most of the graph in their first round (1M people: one round instead of two).
-- depends_on: {{ ref('int_identity__region_observations') }}

with

screened as (
    select * from {{ identity_observations() }} as o
),

-- shared, unless a reviewed merge in identity.overrides names it: then it links
shared as (
    select identifier_type, identifier_value from {{ ref('int_identity__shared_identifiers') }} where rule = 'shared'
    except
    select type_a, value_a from {{ ref('stg_cdp__identity_overrides') }} where action = 'merge'
    except
    select type_b, value_b from {{ ref('stg_cdp__identity_overrides') }} where action = 'merge'
),

linkable as (
    select s.*
    from screened as s
    left join shared as x on x.identifier_type = s.identifier_type and x.identifier_value = s.identifier_value
    where x.identifier_value is null
),

-- per source first, so the sources an identifier was seen in come from this one scan of
-- every observation (cdp.profile_identifiers lists them)
per_source as (
    select
        identifier_type,
        identifier_value,
        source,
        min(priority) as priority,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as observation_count
    from linkable
    group by identifier_type, identifier_value, source
),

aggregated as (
    select
        identifier_type,
        identifier_value,
        min(priority) as priority,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(observation_count) as {{ dbt.type_bigint() }}) as observation_count,
        {{ dbt.listagg('source', "','", "order by source") }} as sources
    from per_source
    group by identifier_type, identifier_value
),

weak_types as (
    select identifier_type from {{ ref('stg_cdp__identifier_types') }} where weak
),

final as (
    select
        row_number() over (order by a.priority, a.identifier_type, a.identifier_value) as node_id,
        a.*,
        w.identifier_type is not null as is_weak
    from aggregated as a
    left join weak_types as w on w.identifier_type = a.identifier_type
)

select * from final
