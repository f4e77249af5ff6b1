-- Segment events, one per messageId: a re-sent event (same messageId) is one event, and
-- the first copy that landed wins.
--
-- The staged copies go to `deduplicate` by name, not through an import CTE: the macro
-- reads its input three times, and DuckDB materialises a CTE read more than once (a copy
-- of every column).
with

final as (
    {{ deduplicate(ref('stg_segment__event_copies'), 'message_id', 'loaded_at, source_file, source_line') }}
)

select * from final
