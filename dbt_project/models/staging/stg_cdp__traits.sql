with

source as (
    select * from {{ source_or_empty('traits', {
        'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar', 'value': 'varchar',
        'observed_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by source, record_key, trait, value order by _cdp_loaded_at, _cdp_file
        ) as copy_number
    from source
),

final as (
    select
        source,
        record_key,
        trait,
        nullif(trim(value), '') as value,
        cast(observed_at as timestamp) as observed_at
    from numbered
    where copy_number = 1
)

select * from final
