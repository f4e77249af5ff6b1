-- Each record's anchor: its strongest linkable identifier, as a node. The record's
-- edges form a star around it (int_identity__edges), and the record takes its profile
-- (int_identity__records_resolved). Records whose identifiers are all invalid, blocked
-- or shared have none.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

final as (
    select
        s.source,
        s.record_key,
        -- node ids run strongest type first (int_identity__nodes): the smallest is the strongest
        min(n.node_id) as anchor_id
    from screened as s
    inner join nodes as n on n.identifier_type = s.identifier_type and n.identifier_value = s.identifier_value
    group by s.source, s.record_key
)

select * from final
