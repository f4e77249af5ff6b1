-- Identifier observations as landed, one row per copy of a record; an event copy that is
-- not kept (stg_segment__dropped_copies) observes nothing. Copies are folded into one
-- observation by int_identity__identifiers_screened, which does it incrementally: a
-- filter on _cdp_loaded_at, as the raw tables hold it, reaches their scans through this
-- view and skips all but the new rows; a filter on the cast loaded_at reads them all.
--
-- Segment events land in raw.identifiers only the values that normalising changed or found
-- invalid (ingestion/parse.py): the rest are read here from raw.events, as they arrived,
-- which saves landing a second copy of nearly every id.
--
-- A misspelt mail domain (`gmial.com`, seeds/email_domain_typos.csv) is corrected here, on
-- identifiers of the types landing normalises as emails: `x@gmial.com` is `x@gmail.com`,
-- and raw_value keeps what arrived. A rule, not landing's: an edited list re-resolves all
-- history on the next run.
--
-- The raw tables are named in each branch rather than as CTEs: DuckDB materialises a CTE
-- read more than once, and the incremental filter would no longer reach the raw scans.
{#- the source name raw.events lands under (ingestion/segment.py EVENTS_SOURCE) -#}
{%- set events_source = 'events' %}
{%- set landed = source_or_empty('identifiers', {
    'source': 'varchar', 'record_key': 'varchar', 'identifier_type': 'varchar', 'raw_value': 'varchar',
    'identifier_value': 'varchar', 'invalid_reason': 'varchar', 'observed_at': 'timestamp',
    '_cdp_file': 'varchar', '_cdp_loaded_at': 'timestamp'}) %}
{%- set events = source_or_empty('events', {
    'message_id': 'varchar', 'anonymous_id': 'varchar', 'user_id': 'varchar', 'email': 'varchar',
    'phone': 'varchar', 'previous_id': 'varchar', 'timestamp': 'timestamp', '_cdp_file': 'varchar',
    '_cdp_loaded_at': 'timestamp'}) %}

with

identifier_types as (
    select * from {{ ref('stg_cdp__identifier_types') }}
),

-- an event's identifier columns and the type each holds (ingestion/segment.py IDENTIFIERS);
-- previousId, on an alias, is the anonymous id the person had before
event_values as (
    {%- for column, identifier_type in [('anonymous_id', 'anonymous_id'), ('user_id', 'user_id'), ('email', 'email'),
                                        ('phone', 'phone'), ('previous_id', 'anonymous_id')] %}
    select
        message_id as record_key,
        '{{ identifier_type }}' as identifier_type,
        {{ column }} as raw_value,
        timestamp as observed_at,
        _cdp_file,
        _cdp_loaded_at
    from {{ events }} as e
    where trim({{ column }}) <> ''
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

-- what normalising left as it arrived: no row of it landed; rows landed before this
-- split held every value (raw_value null where it equals identifier_value), and are read
-- from raw.identifiers alone
events_as_landed as (
    select
        '{{ events_source }}' as source,
        v.record_key,
        v.identifier_type,
        v.raw_value,
        v.raw_value as identifier_value,
        cast(null as {{ dbt.type_string() }}) as invalid_reason,
        v.observed_at,
        v._cdp_file,
        v._cdp_loaded_at
    from event_values as v
    -- a left join, not `not exists`: DuckDB then still takes the incremental filter on
    -- _cdp_loaded_at into the scans of raw.events, so a day reads only the day's events
    left join (select * from {{ landed }} as i where i.source = '{{ events_source }}') as l
        on l.record_key = v.record_key and l.identifier_type = v.identifier_type
        and coalesce(l.raw_value, l.identifier_value) = v.raw_value
        and l._cdp_file = v._cdp_file and l._cdp_loaded_at = v._cdp_loaded_at
    where l.record_key is null
        and v.identifier_type in (select identifier_type from identifier_types)
),

observations as (
    select source, record_key, identifier_type, raw_value, identifier_value, invalid_reason, observed_at,
        _cdp_file, _cdp_loaded_at
    from {{ landed }} as l
    union all
    select * from events_as_landed
),

-- each misspelt domain, for each type normalised as an email; trimmed and lower-cased as
-- core/normalize.py reads them, so a value typed in the CSV with a capital or a space
-- corrects the same emails in both
corrections as (
    select t.identifier_type, lower(trim(d.typo_domain)) as typo_domain, lower(trim(d.domain)) as domain
    from identifier_types as t
    cross join {{ ref('email_domain_typos') }} as d
    where t.normalize = 'email'
),

final as (
    select
        s.source,
        s.record_key,
        s.identifier_type,
        -- landed only where normalising changed it (ingestion/parse.py); rows landed before
        -- hold it always
        coalesce(s.raw_value, s.identifier_value) as raw_value,
        case
            when c.domain is null then s.identifier_value
            else {{ dbt.split_part('s.identifier_value', "'@'", 1) }} || '@' || c.domain
        end as identifier_value,
        s.invalid_reason,
        cast(s.observed_at as timestamp) as observed_at,
        cast(s._cdp_loaded_at as timestamp) as loaded_at,
        s._cdp_loaded_at
    from observations as s
    left join corrections as c
        on c.identifier_type = s.identifier_type
        and c.typo_domain = {{ dbt.split_part('s.identifier_value', "'@'", 2) }}
    where {{ not_from_a_dropped_copy('s') }}
)

select * from final
