-- The identifiers an incremental build resolves again: the changed ones whose links can
-- have changed (linkable now, or linkable before), every identifier on the records that
-- hold those, and all the identifiers of the components any of these were in; less the
-- values shared before and still shared, which link nothing either way. Outside the
-- region no record changed and no identifier's verdict did, so every component there is
-- the one the last build found. Each comes with the profile the last build gave it
-- (int_identity__nodes_resolved keeps a profile's id). Empty on a full build, which
-- resolves everything.

-- depends_on: {{ ref('int_identity__changed_identifiers') }}
-- depends_on: {{ ref('int_identity__shared_identifiers') }}
-- depends_on: {{ ref('int_identity__changed_neighbourhood') }}
{%- set incremental = identity_is_incremental() %}
{%- set before = identity_kept_relation('int_identity__nodes_assigned') if incremental else none %}

with

{% if incremental %}
-- the last build's profile and component of every identifier seen beside a changed one:
-- one pass over the kept assignments
seen_before as (
    select b.identifier_type, b.identifier_value, coalesce(b.component_key, b.profile_id) as component_key
    from {{ before }} as b
    inner join (
        select distinct identifier_type, identifier_value from {{ ref('int_identity__changed_neighbourhood') }}
    ) as n on n.identifier_type = b.identifier_type and n.identifier_value = b.identifier_value
),

-- a value shared before and still shared linked nothing and links nothing
relinked as (
    select c.identifier_type, c.identifier_value
    from {{ ref('int_identity__changed_identifiers') }} as c
    where exists (
        select 1 from seen_before as b
        where b.identifier_type = c.identifier_type and b.identifier_value = c.identifier_value
    )
    or not exists (
        select 1 from {{ ref('int_identity__shared_identifiers') }} as s
        where s.rule = 'shared' and s.identifier_type = c.identifier_type and s.identifier_value = c.identifier_value
    )
),

relinked_records as (
    select distinct o.source, o.record_key
    from {{ ref('int_identity__changed_neighbourhood') }} as o
    inner join relinked as r on r.identifier_type = o.identifier_type and r.identifier_value = o.identifier_value
),

touched as (
    select identifier_type, identifier_value from relinked
    union
    select o.identifier_type, o.identifier_value
    from {{ ref('int_identity__changed_neighbourhood') }} as o
    inner join relinked_records as r on r.source = o.source and r.record_key = o.record_key
),

-- the last build's components: a profile, or the component a limit split it out of
touched_components as (
    select distinct b.component_key
    from seen_before as b
    inner join touched as t on t.identifier_type = b.identifier_type and t.identifier_value = b.identifier_value
),

-- every identifier of those components (linkable before), and the touched ones new to the graph
region as (
    select b.identifier_type, b.identifier_value, true as linkable_before, b.profile_id as last_profile_id
    from {{ before }} as b
    inner join touched_components as k on k.component_key = coalesce(b.component_key, b.profile_id)
    union all
    select t.identifier_type, t.identifier_value, false, cast(null as {{ dbt.type_string() }})
    from touched as t
    where not exists (
        select 1 from seen_before as b
        where b.identifier_type = t.identifier_type and b.identifier_value = t.identifier_value
    )
),

-- not a value shared before and still shared: its other records need not be resolved again
final as (
    select r.identifier_type, r.identifier_value, r.last_profile_id
    from region as r
    where r.linkable_before or not exists (
        select 1 from {{ ref('int_identity__shared_identifiers') }} as s
        where s.rule = 'shared' and s.identifier_type = r.identifier_type and s.identifier_value = r.identifier_value
    )
)
{% else %}
final as (
    select i.identifier_type, i.identifier_value, cast(null as {{ dbt.type_string() }}) as last_profile_id
    from ({{ identity_no_identifiers() }}) as i
)
{% endif %}

select * from final
