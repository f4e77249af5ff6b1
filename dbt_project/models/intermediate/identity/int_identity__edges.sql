-- Identifiers seen on the same record are linked: every link a rule may accept. Each
-- record links its identifiers to its anchor (a star, not all pairs), in both directions:
-- its strongest identifier that is not weak. Centring the star there keeps a user id one
-- hop from everything seen on its records, which is what the nearest-seed split of
-- over-limit components measures, and makes the neighbours of a weak identifier that are
-- not weak the anchors of its records, which is what int_identity__bridges judges.
with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

record_nodes as (
    select * from {{ ref('int_identity__record_nodes') }}
),

record_anchors as (
    select * from {{ ref('int_identity__record_anchors') }}
),

-- an anchor is weak only on a record of weak identifiers alone
links as (
    select distinct a.anchor_id, a.strong_anchor_id is null as anchor_is_weak, r.node_id, r.is_weak
    from record_nodes as r
    inner join record_anchors as a on a.source = r.source and a.record_key = r.record_key
    where r.node_id <> a.anchor_id
),

-- identity.overrides: a reviewed merge links two identifiers as if seen on one record
forced as (
    select a.node_id as anchor_id, a.is_weak as anchor_is_weak, b.node_id, b.is_weak
    from {{ ref('stg_cdp__identity_overrides') }} as o
    inner join nodes as a on a.identifier_type = o.type_a and a.identifier_value = o.value_a
    inner join nodes as b on b.identifier_type = o.type_b and b.identifier_value = o.value_b
    where o.action = 'merge'
),

all_links as (
    select * from links
    union
    select * from forced
),

-- each end's weakness travels with the edge, for the models that judge weak identifiers
final as (
    select anchor_id as node_id, node_id as neighbour_id, anchor_is_weak as is_weak, is_weak as neighbour_is_weak
    from all_links
    union all
    select node_id, anchor_id, is_weak, anchor_is_weak from all_links
)

select * from final
