-- Every landed copy of a Segment event, in the shape of the staged events.
-- stg_segment__events keeps one per messageId; cdp.events, incremental, deduplicates
-- only the copies landed since its last build.
with

source as (
    select * from {{ source_or_empty('events', {
        'message_id': 'varchar', 'type': 'varchar', 'event': 'varchar', 'name': 'varchar',
        'anonymous_id': 'varchar', 'user_id': 'varchar', 'previous_id': 'varchar', 'group_id': 'varchar',
        'timestamp': 'timestamp', 'campaign_source': 'varchar', 'campaign_medium': 'varchar',
        'campaign_name': 'varchar', 'page_path': 'varchar', 'page_url': 'varchar', 'page_referrer': 'varchar',
        'ip': 'varchar', 'user_agent': 'varchar', 'traits': 'varchar', 'context': 'varchar',
        'properties': 'varchar', 'consent_preferences': 'varchar', '_cdp_file': 'varchar', '_cdp_line': 'bigint',
        '_cdp_loaded_at': 'timestamp'},
        optional=['consent_preferences']) }}
),

final as (
    select
        message_id,
        type as event_type,
        event as event_name,
        name as page_name,
        -- identifiers
        trim(anonymous_id) as anonymous_id,
        trim(user_id) as user_id,
        trim(previous_id) as previous_id,
        group_id,
        cast(timestamp as timestamp) as event_at,
        -- attribution
        campaign_source,
        campaign_medium,
        campaign_name,
        page_path,
        page_url,
        page_referrer,
        ip,
        user_agent,
        -- payload, as JSON text
        traits,
        context,
        properties,
        -- context.consent.categoryPreferences (null in events landed before it was read)
        consent_preferences,
        _cdp_file as source_file,
        _cdp_line as source_line,
        cast(_cdp_loaded_at as timestamp) as loaded_at,
        -- as landed: an incremental filter on it reaches the raw table's scan (on the cast
        -- loaded_at it reads every row)
        _cdp_loaded_at
    from source
)

select * from final
