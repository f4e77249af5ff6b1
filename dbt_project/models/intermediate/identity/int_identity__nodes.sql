-- The identifiers that may link records: valid, not blocked, not shared. node_id is an
-- integer for cheap joins in the component rounds; it is not stable across runs.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

shared as (
    select distinct identifier_type, identifier_value from {{ ref('int_identity__shared_identifiers') }}
),

linkable as (
    select s.*
    from screened as s
    left join shared as x on x.identifier_type = s.identifier_type and x.identifier_value = s.identifier_value
    where x.identifier_value is null
),

aggregated as (
    select
        identifier_type,
        identifier_value,
        min(priority) as priority,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at,
        count(*) as observation_count
    from linkable
    group by identifier_type, identifier_value
),

final as (
    select
        row_number() over (order by identifier_type, identifier_value) as node_id,
        *
    from aggregated
)

select * from final
