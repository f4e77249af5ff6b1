with

events as (
    select * from {{ ref('stg_segment__events') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'events'
),

final as (
    select
        e.message_id,
        r.profile_id,
        e.event_type,
        e.event_name,
        e.page_name,
        e.anonymous_id,
        e.user_id,
        e.event_at,
        e.page_path,
        e.page_url,
        e.page_referrer,
        e.campaign_source,
        e.campaign_medium,
        e.campaign_name,
        -- the channel a visit came through; only pages carry one
        case
            when e.event_type <> 'page' then null
            when e.campaign_source is not null then e.campaign_source || ' / ' || coalesce(e.campaign_medium, '(none)')
            else 'direct'
        end as channel,
        e.properties,
        e.source_file,
        e.loaded_at
    from events as e
    left join records as r on r.record_key = e.message_id
)

select * from final
