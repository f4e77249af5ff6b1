with

source as (
    select * from {{ source_or_empty('identifiers', {
        'source': 'varchar', 'record_key': 'varchar', 'identifier_type': 'varchar', 'raw_value': 'varchar',
        'identifier_value': 'varchar', 'invalid_reason': 'varchar', 'observed_at': 'timestamp',
        '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

-- A record landed twice (a re-sent event, a re-exported row) observes its identifiers
-- once, at its earliest time; an event copy that is not kept observes none. A group by
-- rather than the row_number of `deduplicate`: every other column follows from the
-- key, and at 25M observations hashing is several times cheaper than sorting.
final as (
    select
        source,
        record_key,
        identifier_type,
        raw_value,
        min(identifier_value) as identifier_value,
        min(invalid_reason) as invalid_reason,
        min(cast(observed_at as timestamp)) as observed_at
    from source as s
    where {{ not_from_a_dropped_copy('s') }}
    group by source, record_key, identifier_type, raw_value
)

select * from final
