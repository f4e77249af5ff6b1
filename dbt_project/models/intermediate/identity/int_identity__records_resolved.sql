-- Each landed record's profile: the profile of its anchor, its strongest linkable
-- identifier. A record whose identifiers are all invalid, blocked or shared, or whose anchor
-- is a weak identifier that links no one, has no profile.
-- Kept between builds: an incremental build replaces the rows of the records it resolved
-- again (int_identity__region_observations), adds the quiet records outside the region
-- (int_identity__quiet_records) and keeps the rest.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ identity_replace_rows(['source', 'record_key'], ref('int_identity__region_observations')) }}",
) }}

-- depends_on: {{ ref('int_identity__region_observations') }}

with

anchors as (
    select * from {{ ref('int_identity__record_anchors') }}
),

resolved as (
    select * from {{ ref('int_identity__nodes_resolved') }}
),

final as (
    select a.source, a.record_key, n.profile_id
    from anchors as a
    inner join resolved as n on n.node_id = a.anchor_id
    where n.profile_id is not null
    union all
    select source, record_key, profile_id from {{ ref('int_identity__quiet_records') }}
)

select * from final
