-- Segment events, one per messageId: a re-sent event (same messageId) is one event, and
-- the first copy that landed wins.
with

copies as (
    select * from {{ ref('stg_segment__event_copies') }}
),

final as (
    {{ deduplicate('copies', 'message_id', 'loaded_at, source_file, source_line') }}
)

select * from final
