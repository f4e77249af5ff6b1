with

source as (
    select * from {{ source('raw', 'identity_blocklist') }}
),

final as (
    select
        kind,
        value,
        note
    from source
)

select * from final
