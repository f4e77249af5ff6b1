with

source as (
    select * from {{ source_or_empty('traits', {
        'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar', 'value': 'varchar',
        'observed_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

-- an event copy that is not kept says nothing about the person (stg_segment__dropped_copies)
kept as (
    select s.*
    from source as s
    where {{ not_from_a_dropped_copy('s') }}
),

deduplicated as (
    {{ deduplicate('kept', 'source, record_key, trait, value', '_cdp_loaded_at, _cdp_file') }}
),

final as (
    select
        source,
        record_key,
        trait,
        nullif(trim(value), '') as value,
        cast(observed_at as timestamp) as observed_at
    from deduplicated
)

select * from final
