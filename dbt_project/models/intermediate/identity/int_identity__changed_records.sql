-- The records that changed since the last finished build: an identifier or a name landed
-- since. Each says whether it is quiet: a new record that only observes again what the
-- graph already holds, so that the build need not resolve its people again
-- (int_identity__quiet_records).
--
-- A record is quiet when all of it landed since the last build, it carries no full name
-- (evidence about weak identifiers), and each of its ok identifiers is linkable, in one
-- profile that is its whole component (no rule divided it), and seen from the record's
-- source already. Its date does not matter:
-- a profile keeps the id its namer gave it whatever lands earlier
-- (int_identity__nodes_resolved). A record of two or more observations must also hold
-- exactly the identifiers of an earlier record: then every pair it holds was seen
-- together before, so no identifier gains a neighbour its shared verdict would count.
-- Empty on a full build.

-- depends_on: {{ ref('int_identity__resolution_starts') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
-- depends_on: {{ ref('stg_cdp__identifier_types') }}
-- depends_on: {{ ref('int_identity__landed_assignments') }}
{%- set incremental = identity_is_incremental() %}
{%- set resolutions = identity_kept_relation('int_identity__resolutions') if incremental else none %}
{%- set signatures = identity_kept_relation('int_identity__record_signatures') if incremental else none %}

with

{% if incremental %}
landed as (
    select
        source, record_key, identifier_type, identifier_value, status, observed_at, first_loaded_at,
        identifier_hash, record_hash
    from {{ ref('int_identity__identifiers_screened') }}
    where {{ landed_after('last_loaded_at', resolutions, 'resolved_through') }}
),

-- records that gained a name, and whether it is a full one: a full name is evidence about
-- the weak identifiers beside its group (int_identity__bridges), so its record is never quiet
named as (
    select
        source,
        record_key,
        case
            when max(case when t.trait = 'name' then 1 else 0 end) = 1 then 1
            when max(case when t.trait = 'first_name' then 1 else 0 end) = 1
                and max(case when t.trait = 'last_name' then 1 else 0 end) = 1 then 1
            else 0
        end as has_full_name
    from {{ source_or_empty('traits', {'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar',
        '_cdp_loaded_at': 'timestamp'}) }} as t
    where t.trait in ('first_name', 'last_name', 'name')
        and {{ landed_after('t._cdp_loaded_at', resolutions, 'resolved_through') }}
    group by source, record_key
),

-- records with an observation that landed before the last build (by hash, then by value)
held_before as (
    select distinct o.source, o.record_key
    from {{ ref('int_identity__identifiers_screened') }} as o
    where o.record_hash in (select record_hash from landed)
        and not ({{ landed_after('o.first_loaded_at', resolutions, 'resolved_through') }})
),

-- a left join, not "not exists": DuckDB pushed that into held_before's scan of every
-- observation and took 1.3 s instead of 0.1 s
new_observations as (
    select l.source, l.record_key, l.identifier_type, l.identifier_value, l.observed_at, l.identifier_hash, l.record_hash
    from landed as l
    left join held_before as h on h.source = l.source and h.record_key = l.record_key
    where l.status = 'ok' and h.record_key is null
),

signed as (
    select source, record_key, min(record_hash) as record_hash, {{ identity_signature() }}
    from new_observations
    group by source, record_key
),

-- an earlier record of the same signature, named by its hash
candidates as (
    select s.source, s.record_key, k.record_hash as earlier_hash
    from signed as s
    inner join {{ signatures }} as k on k.identifier_count = s.identifier_count and k.signature_sum = s.signature_sum
    where s.identifier_count > 1
),

-- the identifiers of the earlier records of those hashes, by value (hashes can collide)
earlier as (
    select distinct o.record_hash, o.source, o.record_key, o.identifier_type, o.identifier_value
    from {{ ref('int_identity__identifiers_screened') }} as o
    where o.status = 'ok'
        and o.record_hash in (select earlier_hash from candidates)
        and not ({{ landed_after('o.first_loaded_at', resolutions, 'resolved_through') }})
),

earlier_sizes as (
    select record_hash, source, record_key, count(*) as identifier_count
    from earlier
    group by record_hash, source, record_key
),

new_identifiers as (
    select source, record_key, identifier_type, identifier_value, count(*) over (partition by source, record_key) as identifier_count
    from (select distinct source, record_key, identifier_type, identifier_value from new_observations) as n
),

-- a new record that holds exactly an earlier record's identifiers
repeated as (
    select distinct c.source, c.record_key
    from candidates as c
    inner join new_identifiers as n on n.source = c.source and n.record_key = c.record_key
    inner join earlier as e
        on e.record_hash = c.earlier_hash
        and e.identifier_type = n.identifier_type and e.identifier_value = n.identifier_value
    inner join earlier_sizes as z on z.record_hash = e.record_hash and z.source = e.source and z.record_key = e.record_key
    where z.identifier_count = n.identifier_count
    group by c.source, c.record_key, e.source, e.record_key, n.identifier_count
    having count(*) = n.identifier_count
),

known as (
    select * from {{ ref('int_identity__landed_assignments') }}
),

quiet as (
    select o.source, o.record_key, min(k.profile_id) as profile_id
    from new_observations as o
    left join known as k on k.identifier_type = o.identifier_type and k.identifier_value = o.identifier_value
    left join named as n on n.source = o.source and n.record_key = o.record_key and n.has_full_name = 1
    group by o.source, o.record_key
    having count(k.profile_id) = count(*)
        and count(distinct k.profile_id) = 1
        and count(k.component_key) = 0
        and count(n.record_key) = 0
        and min(case when {{ dbt.position("',' || o.source || ','", "',' || k.sources || ','") }} > 0 then 1 else 0 end) = 1
),

final as (
    select
        c.source,
        c.record_key,
        s.record_hash,
        s.identifier_count,
        s.signature_sum,
        q.profile_id is not null
            and (s.identifier_count = 1 or exists (
                select 1 from repeated as r where r.source = c.source and r.record_key = c.record_key
            ))
            as is_quiet,
        q.profile_id
    from (
        select source, record_key from landed
        union
        select source, record_key from named
    ) as c
    left join signed as s on s.source = c.source and s.record_key = c.record_key
    left join quiet as q on q.source = c.source and q.record_key = c.record_key
)
{% else %}
final as (
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as record_key,
        cast(null as {{ dbt.type_bigint() }}) as record_hash,
        cast(null as {{ dbt.type_bigint() }}) as identifier_count,
        cast(null as {{ dbt.type_bigint() }}) as signature_sum,
        cast(null as boolean) as is_quiet,
        cast(null as {{ dbt.type_string() }}) as profile_id
    where 1 = 0
)
{% endif %}

select * from final
