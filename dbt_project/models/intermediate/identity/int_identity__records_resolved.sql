-- Each landed record's profile: the profile of its anchor, its strongest linkable
-- identifier. A record whose identifiers are all invalid, blocked or shared has no profile.
with

anchors as (
    select * from {{ ref('int_identity__record_anchors') }}
),

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }}
),

final as (
    select a.source, a.record_key, n.profile_id
    from anchors as a
    inner join assigned as n on n.node_id = a.anchor_id
)

select * from final
