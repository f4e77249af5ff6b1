with

source as (
    select * from {{ source_or_empty('rejected_rows', {
        'source': 'varchar', 'file': 'varchar', 'line': 'bigint', 'raw_record': 'varchar',
        'reason': 'varchar', 'loaded_at': 'timestamp'}) }}
),

final as (
    select
        source,
        file,
        line,
        raw_record,
        reason,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from final
