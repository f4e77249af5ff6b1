with

source as (
    select * from {{ source('raw', 'identifier_types') }}
),

final as (
    select
        identifier_type,
        cast(priority as integer) as priority,
        cast(max_per_profile as integer) as max_per_profile,
        cast(shared_limit as integer) as shared_limit,
        coalesce(cast(weak as boolean), false) as weak,
        normalize
    from source
)

select * from final
