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
    -- a weak identifier that links no one is on record in no profile (identity_rule_hits)
    where profile_id is not null
)

select * from final
