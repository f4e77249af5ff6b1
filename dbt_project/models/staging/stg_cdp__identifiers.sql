-- Identifier observations as landed, one row per copy of a record; an event copy that is
-- not kept (stg_segment__dropped_copies) observes nothing. Copies are folded into one
-- observation by int_identity__identifiers_screened, which does it incrementally: a
-- filter on _cdp_loaded_at, as the raw table holds it, reaches that table's scan through
-- this view and skips all but the new rows; a filter on the cast loaded_at reads them all.
with

source as (
    select * from {{ source_or_empty('identifiers', {
        'source': 'varchar', 'record_key': 'varchar', 'identifier_type': 'varchar', 'raw_value': 'varchar',
        'identifier_value': 'varchar', 'invalid_reason': 'varchar', 'observed_at': 'timestamp',
        '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

final as (
    select
        source,
        record_key,
        identifier_type,
        -- landed only where normalising changed it (ingestion/parse.py); rows landed before
        -- hold it always
        coalesce(raw_value, identifier_value) as raw_value,
        identifier_value,
        invalid_reason,
        cast(observed_at as timestamp) as observed_at,
        cast(_cdp_loaded_at as timestamp) as loaded_at,
        _cdp_loaded_at
    from source as s
    where {{ not_from_a_dropped_copy('s') }}
)

select * from final
