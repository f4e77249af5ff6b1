-- The CDP's view of each CRM contact, for the sales team's CRM: which profile the
-- contact is, its key traits, and the segments it is in now.
with

contact_profiles as (
    select identifier_value as crm_contact_id, profile_id
    from {{ ref('profile_identifiers') }}
    where identifier_type = 'crm_contact_id'
),

profiles as (
    select * from {{ ref('profiles') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

profile_segments as (
    select profile_id, {{ dbt.listagg('segment', "','", 'order by segment') }} as segments
    from memberships
    group by profile_id
),

final as (
    select
        c.crm_contact_id,
        c.profile_id,
        p.email,
        p.first_name,
        p.last_name,
        p.lifecycle_stage,
        p.lifetime_value,
        p.order_count,
        p.last_order_at,
        p.last_seen_at,
        p.first_touch_channel,
        p.email_consent,
        coalesce(s.segments, '') as segments
    from contact_profiles as c
    inner join profiles as p on p.profile_id = c.profile_id
    left join profile_segments as s on s.profile_id = c.profile_id
)

select * from final
