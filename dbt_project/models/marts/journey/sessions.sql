-- Visits: a profile's events with no gap longer than 30 minutes, as web analytics counts
-- them. A session's channel is that of its first page view ('direct' without a campaign).
with

-- only the columns a session needs: the windows below carry every column they are given
events as (
    select profile_id, event_at, message_id, event_type, channel, page_path
    from {{ ref('events') }}
    where profile_id is not null
),

gaps as (
    select
        *,
        lag(event_at) over (partition by profile_id order by event_at, message_id) as previous_event_at
    from events
),

numbered as (
    select
        *,
        sum(
            case
                when previous_event_at is null then 1
                when {{ dbt.datediff('previous_event_at', 'event_at', 'second') }} > 1800 then 1
                else 0
            end
        ) over (partition by profile_id order by event_at, message_id rows between unbounded preceding and current row)
            as session_number
    from gaps
),

first_pages as (
    select profile_id, session_number, channel, page_path
    from (
        select
            profile_id,
            session_number,
            channel,
            page_path,
            row_number() over (partition by profile_id, session_number order by event_at, message_id) as page_rank
        from numbered
        where event_type = 'page'
    ) as pages
    where page_rank = 1
),

final as (
    select
        n.profile_id || '-' || cast(n.session_number as {{ dbt.type_string() }}) as session_id,
        n.profile_id,
        n.session_number,
        min(n.event_at) as started_at,
        max(n.event_at) as ended_at,
        count(*) as event_count,
        sum(case when n.event_type = 'page' then 1 else 0 end) as page_views,
        coalesce(max(f.channel), 'direct') as channel,
        max(f.page_path) as landing_page
    from numbered as n
    left join first_pages as f on f.profile_id = n.profile_id and f.session_number = n.session_number
    group by n.profile_id, n.session_number
)

select * from final
