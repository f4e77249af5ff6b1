with

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }}
),

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

identifier_sources as (
    select distinct identifier_type, identifier_value, source from screened
),

sources_listed as (
    select
        identifier_type,
        identifier_value,
        {{ dbt.listagg('source', "','", "order by source") }} as sources
    from identifier_sources
    group by identifier_type, identifier_value
),

final as (
    select
        a.profile_id,
        a.identifier_type,
        a.identifier_value,
        a.first_seen_at,
        a.last_seen_at,
        a.observation_count,
        s.sources
    from assigned as a
    inner join sources_listed as s
        on s.identifier_type = a.identifier_type and s.identifier_value = a.identifier_value
)

select * from final
