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

final as (
    select
        s.source,
        s.record_key,
        -- node ids run strongest type first (int_identity__nodes): the smallest is the strongest
        {{ min_by('a.profile_id', ['a.node_id']) }} as profile_id
    from screened as s
    inner join assigned as a on a.identifier_type = s.identifier_type and a.identifier_value = s.identifier_value
    group by s.source, s.record_key
)

select * from final
