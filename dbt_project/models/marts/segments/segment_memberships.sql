with

history as (
    select * from {{ ref('segment_membership_history') }}
),

final as (
    select segment, profile_id, entered_at
    from history
    where exited_at is null
)

select * from final
