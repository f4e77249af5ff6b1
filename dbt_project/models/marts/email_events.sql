with

email_events as (
    select * from {{ ref('stg_email__events') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'email_events'
),

final as (
    select
        e.email_event_id,
        r.profile_id,
        e.campaign_id,
        e.event_type,
        e.occurred_at,
        e.source_file
    from email_events as e
    left join records as r on r.record_key = e.email_event_id
)

select * from final
