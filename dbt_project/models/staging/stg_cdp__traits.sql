with

source as (
    select * from {{ source_or_empty('traits', {
        'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar', 'value': 'varchar',
        'observed_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

deduplicated as (
    {{ deduplicate('source', 'source, record_key, trait, value', '_cdp_loaded_at, _cdp_file') }}
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
