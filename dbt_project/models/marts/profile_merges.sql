-- Profile ids a run replaced: follow old_profile_id to profile_id. A merge when the old
-- profile is gone (it joined another); a split when it still exists but lost identifiers.
{{ config(materialized='incremental', full_refresh=false, unique_key=['old_profile_id', 'profile_id', 'merged_at']) }}

with

moves as (
    select distinct previous_profile_id as old_profile_id, profile_id, changed_at as merged_at
    from {{ ref('int_identity__assignments') }}
    where changed_at = {{ run_timestamp() }} and previous_profile_id is not null
),

surviving as (
    select distinct profile_id from {{ ref('int_identity__nodes_assigned') }}
),

final as (
    select
        m.old_profile_id,
        m.profile_id,
        m.merged_at,
        case when s.profile_id is null then 'merge' else 'split' end as kind
    from moves as m
    left join surviving as s on s.profile_id = m.old_profile_id
)

select * from final
