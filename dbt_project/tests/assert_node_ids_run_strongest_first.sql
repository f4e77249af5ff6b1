-- Edges and resolved records take a record's smallest node id as its strongest identifier
-- (no struct key to compare): that holds only while node ids run in priority order.
with

ranges as (
    select priority, min(node_id) as first_id, max(node_id) as last_id
    from {{ ref('int_identity__nodes') }}
    group by priority
),

ordered as (
    select *, lag(last_id) over (order by priority) as previous_last_id
    from ranges
)

select * from ordered
where previous_last_id > first_id
