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
        lag(event_at) over (partition by profile_id order by event_at, message_id) as previous_event_at,
        -- the same window, so the same sort: a plain key for the first page view below
        row_number() over (partition by profile_id order by event_at, message_id) as event_number
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

final as (
    select
        profile_id || '-' || cast(session_number as {{ dbt.type_string() }}) as session_id,
        profile_id,
        cast(session_number as bigint) as session_number,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as event_count,
        cast(sum(case when event_type = 'page' then 1 else 0 end) as bigint) as page_views,
        -- the first page view's, in the same aggregate: no second window over the pages
        coalesce(
            {{ min_by('channel', ['event_number']) }} filter (where event_type = 'page'), 'direct'
        ) as channel,
        {{ min_by('page_path', ['event_number']) }} filter (where event_type = 'page') as landing_page
    from numbered
    group by profile_id, session_number
)

select * from final
