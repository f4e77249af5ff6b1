-- Each record's anchor: its strongest linkable identifier that is not weak, or, on a
-- record of weak identifiers alone (a page view, a card with only a phone on it), its
-- strongest weak one. The record's edges form a star around it (int_identity__edges),
-- and the record takes its profile (int_identity__records_resolved). Records whose
-- identifiers are all invalid, blocked or shared have none. strong_anchor_id is null on
-- a record of weak identifiers alone.
with

record_nodes as (
    select * from {{ ref('int_identity__record_nodes') }}
),

anchored as (
    select
        source,
        record_key,
        -- node ids run strongest type first (int_identity__nodes): the smallest is the strongest
        min(case when not is_weak then node_id end) as strong_anchor_id,
        min(node_id) as smallest_node_id
    from record_nodes
    group by source, record_key
),

final as (
    select source, record_key, coalesce(strong_anchor_id, smallest_node_id) as anchor_id, strong_anchor_id
    from anchored
)

select * from final
