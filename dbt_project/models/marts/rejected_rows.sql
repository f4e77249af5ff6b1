with

rejected as (
    select * from {{ ref('stg_cdp__rejected_rows') }}
),

final as (
    select source, file, line, raw_record, reason, loaded_at from rejected
)

select * from final
