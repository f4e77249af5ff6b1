with

source as (
    select * from {{ source_or_empty('rejected_files', {
        'source': 'varchar', 'file': 'varchar', 'reason': 'varchar', 'line': 'bigint', 'byte_offset': 'bigint',
        'file_size': 'bigint', 'file_modified_at': 'timestamp', 'rows_withdrawn': 'bigint',
        'withdrawn_at': 'timestamp', 'loaded_at': 'timestamp'}) }}
),

final as (
    select
        source,
        file,
        reason,
        line,
        byte_offset,
        file_size,
        cast(file_modified_at as timestamp) as file_modified_at,
        rows_withdrawn,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from final
