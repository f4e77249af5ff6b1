with

source as (
    select * from {{ source_or_empty('identifiers', {
        'source': 'varchar', 'record_key': 'varchar', 'identifier_type': 'varchar', 'raw_value': 'varchar',
        'identifier_value': 'varchar', 'invalid_reason': 'varchar', 'observed_at': 'timestamp',
        '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

-- a record landed twice (a re-sent event, a re-exported row) observes its identifiers once
deduplicated as (
    {{ deduplicate('source', 'source, record_key, identifier_type, raw_value', '_cdp_loaded_at, _cdp_file') }}
),

final as (
    select
        source,
        record_key,
        identifier_type,
        raw_value,
        identifier_value,
        invalid_reason,
        cast(observed_at as timestamp) as observed_at
    from deduplicated
)

select * from final
