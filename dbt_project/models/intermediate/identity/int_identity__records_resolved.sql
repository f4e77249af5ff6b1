-- Each landed record's profile: the profile of its strongest linkable identifier.
-- A record whose identifiers are all invalid, blocked or shared has no profile.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }}
),

ranked as (
    select
        s.source,
        s.record_key,
        a.profile_id,
        row_number() over (
            partition by s.source, s.record_key
            order by a.priority, a.identifier_type, a.identifier_value
        ) as strength_rank
    from screened as s
    inner join assigned as a on a.identifier_type = s.identifier_type and a.identifier_value = s.identifier_value
),

final as (
    select source, record_key, profile_id
    from ranked
    where strength_rank = 1
)

select * from final
