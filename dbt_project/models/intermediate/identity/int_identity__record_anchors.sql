-- Each record's anchor: its strongest linkable identifier, as a node. The record's
-- edges form a star around it (int_identity__edges), and the record takes its profile
-- (int_identity__records_resolved). Records whose identifiers are all invalid, blocked
-- or shared have none.
with

record_nodes as (
    select * from {{ ref('int_identity__record_nodes') }}
),

final as (
    select
        source,
        record_key,
        -- node ids run strongest type first (int_identity__nodes): the smallest is the strongest
        min(node_id) as anchor_id
    from record_nodes
    group by source, record_key
)

select * from final
