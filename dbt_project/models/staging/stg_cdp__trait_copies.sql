-- Every landed copy of a trait observation, cleaned. stg_cdp__traits keeps one per record
-- and value; a reader that only wants some records' values (the names of records holding
-- a weak identifier) reads the copies, which a filter on the record reaches before any
-- deduplication does.
with

source as (
    select * from {{ source_or_empty('traits', {
        'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar', 'value': 'varchar',
        'observed_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

-- an event copy that is not kept says nothing about the person (stg_segment__dropped_copies)
final as (
    select
        source,
        record_key,
        trait,
        value as raw_value,
        nullif(trim(value), '') as value,
        cast(observed_at as timestamp) as observed_at,
        _cdp_file,
        _cdp_loaded_at
    from source as s
    where {{ not_from_a_dropped_copy('s') }}
)

select * from final
