with

rejected_rows as (
    select * from {{ ref('stg_cdp__rejected_rows') }}
),

rejected_files as (
    select * from {{ ref('stg_cdp__rejected_files') }}
),

final as (
    select
        source,
        file,
        'row' as rejected,
        line,
        cast(null as bigint) as byte_offset,
        raw_record,
        reason,
        loaded_at
    from rejected_rows
    union all
    select
        source,
        file,
        'file' as rejected,
        line,
        byte_offset,
        cast(null as {{ dbt.type_string() }}) as raw_record,
        'file not read: ' || reason as reason,
        loaded_at
    from rejected_files
)

select * from final
