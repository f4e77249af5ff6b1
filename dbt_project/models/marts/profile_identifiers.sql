with

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }}
),

final as (
    select
        profile_id,
        identifier_type,
        identifier_value,
        first_seen_at,
        last_seen_at,
        observation_count,
        sources
    from assigned
)

select * from final
