-- Incremental: a run adds the events landed since the last one, and gives the events
-- already held their profile anew where identity moved them (a merge, a split). An event's
-- other columns never change: its first copy is kept. A change of rules or models makes
-- the build a full refresh (orchestration/dbt/build_inputs.py).
{{ config(materialized='incremental', unique_key='message_id', on_schema_change='fail') }}
-- depends_on: {{ ref('stg_segment__event_copies') }}

with

{% if is_incremental() %}
landed as (
    select * from {{ ref('stg_segment__event_copies') }}
    where {{ landed_since_last_build('_cdp_loaded_at', 'loaded_at') }}
),

-- the first copy of a messageId is new only if no earlier copy is held: deduplicating
-- just the new copies spares the staged view's pass over every event
events as (
    select * from ({{ deduplicate('landed', 'message_id', 'loaded_at, source_file, source_line') }}) as n
    where not exists (select 1 from {{ this }} as e where e.message_id = n.message_id)
),
{% else %}
events as (
    select * from {{ ref('stg_segment__events') }}
),
{% endif %}

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'events'
),

{% if is_incremental() %}
moved as (
    select e.message_id, r.profile_id
    from {{ this }} as e
    left join records as r on r.record_key = e.message_id
    where coalesce(r.profile_id, '') <> coalesce(e.profile_id, '')
),
{% endif %}

added as (
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
        e.consent_preferences,
        e.source_file,
        e.loaded_at
    from events as e
    left join records as r on r.record_key = e.message_id
),

final as (
    select * from added
    {% if is_incremental() %}
    union all
    select
        {%- for column in adapter.get_columns_in_relation(this) %}
        {{ 'm.profile_id' if column.name == 'profile_id' else 'e.' ~ adapter.quote(column.name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as e
    inner join moved as m on m.message_id = e.message_id
    {% endif %}
)

select * from final
