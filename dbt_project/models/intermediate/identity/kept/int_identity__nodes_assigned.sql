-- Each linkable identifier with its profile, kept between builds: an incremental build
-- replaces the region's rows (int_identity__region_identifiers) and those of the quiet
-- records' identifiers (int_identity__quiet_identifiers), and keeps the rest.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ identity_replace_rows(['identifier_type', 'identifier_value'],
        '(select identifier_type, identifier_value from ' ~ ref('int_identity__region_identifiers')
        ~ ' union all select identifier_type, identifier_value from ' ~ ref('int_identity__quiet_identifiers') ~ ')') }}",
) }}

-- depends_on: {{ ref('int_identity__region_identifiers') }}

with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

resolved as (
    select * from {{ ref('int_identity__nodes_resolved') }}
),

final as (
    select
        r.profile_id,
        n.identifier_type,
        n.identifier_value,
        n.priority,
        n.first_seen_at,
        n.last_seen_at,
        n.observation_count,
        n.sources,
        r.component_key,
        r.split_rule,
        r.split_detail
    from resolved as r
    inner join nodes as n on n.node_id = r.node_id
    union all
    select * from {{ ref('int_identity__quiet_identifiers') }}
)

select * from final
