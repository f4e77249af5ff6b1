-- Every record's linkable identifiers, as nodes. A view: the two models that read it
-- (record anchors and edges) each need one pass, and the rows are not worth writing.
{{ config(materialized='view') }}

-- depends_on: {{ ref('int_identity__region_observations') }}

with

screened as (
    select * from {{ identity_observations() }} as o
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

final as (
    select s.source, s.record_key, n.node_id, n.is_weak
    from screened as s
    inner join nodes as n on n.identifier_type = s.identifier_type and n.identifier_value = s.identifier_value
)

select * from final
