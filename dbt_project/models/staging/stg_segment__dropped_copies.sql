-- Copies of a Segment event that stg_segment__events does not keep, by the file and load
-- they came in. A re-sent event is one event (Segment drops a repeated messageId whole):
-- what a later copy says about who sent it is no evidence, or one messageId sent by two
-- clients for two people would link them. Copies within one file are told apart by
-- line, which the identifier and trait rows do not carry: those still count.
{{ config(materialized='table') }}

{%- set events = source_or_empty('events', {
    'message_id': 'varchar', '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) %}

-- the raw events are named twice rather than through one import CTE, which DuckDB would
-- copy whole first because two parts read it
with

-- most ids arrive once: only the repeated ones are ranked
repeated as (
    select message_id
    from {{ events }}
    group by message_id
    having count(*) > 1
),

copies as (
    select distinct s.message_id, s._cdp_loaded_at, s._cdp_file
    from {{ events }} as s
    inner join repeated as r on r.message_id = s.message_id
),

ranked as (
    select
        *,
        row_number() over (partition by message_id order by _cdp_loaded_at, _cdp_file) as copy_rank
    from copies
),

final as (
    select
        'events' as source,
        message_id as record_key,
        _cdp_loaded_at,
        _cdp_file
    from ranked
    where copy_rank > 1
)

select * from final
