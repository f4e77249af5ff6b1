-- Identifiers seen on the same record are the same person. Each record links its
-- identifiers to its strongest one (a star, not all pairs), in both directions. Centring
-- the star on the strongest identifier keeps a user id one hop from everything seen on
-- its records, which is what the nearest-seed split of over-limit components measures.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

record_nodes as (
    select distinct s.source, s.record_key, n.node_id, n.priority
    from screened as s
    inner join nodes as n on n.identifier_type = s.identifier_type and n.identifier_value = s.identifier_value
),

record_anchors as (
    select source, record_key, node_id as anchor_id
    from (
        select
            source,
            record_key,
            node_id,
            row_number() over (partition by source, record_key order by priority, node_id) as strength_rank
        from record_nodes
    ) as ranked
    where strength_rank = 1
),

links as (
    select distinct a.anchor_id, r.node_id
    from record_nodes as r
    inner join record_anchors as a on a.source = r.source and a.record_key = r.record_key
    where r.node_id <> a.anchor_id
),

final as (
    select anchor_id as node_id, node_id as neighbour_id from links
    union all
    select node_id, anchor_id from links
)

select * from final
