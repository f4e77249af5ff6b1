with

source as (
    select * from {{ source_or_empty('email_events', {
        'email': 'varchar', 'campaign_id': 'varchar', 'event': 'varchar', 'ts': 'timestamp',
        '_cdp_record_key': 'varchar', '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

-- the export has no key: identical rows are one event (the record key hashes the row)
deduplicated as (
    {{ deduplicate('source', '_cdp_record_key', '_cdp_loaded_at, _cdp_line') }}
),

final as (
    select
        _cdp_record_key as email_event_id,
        email,
        campaign_id,
        lower(trim(event)) as event_type,
        cast(ts as timestamp) as occurred_at,
        _cdp_file as source_file
    from deduplicated
)

select * from final
