-- Identifiers that sit beside too many distinct stronger identifiers to belong to one
-- person: a household landline beside three people's emails, a kiosk browser beside
-- four user ids. They stay on record but never link profiles (rule shared). (What
-- evidence a weak identifier within the limits needs to link is int_identity__bridges'.)
--
-- A conflict does not move an established identifier: one the last build linked (it has a
-- row in int_identity__nodes_assigned, a profile or, a weak one that links no one, none)
-- stays linkable (rule kept_on_profile) when the rules keep the rest apart
-- without it. A weak one then links no group it was not with (int_identity__bridges),
-- and one over the limit of a type with max_per_profile is kept on its profile by the
-- limit split (int_identity__limit_seeds): the second user id that typed Pia's email
-- leaves Pia's email, its tickets and its emails on Pia's profile.
--
-- Kept between builds: an incremental build judges again only the changed identifiers
-- (int_identity__changed_identifiers), from every record that holds one.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ identity_replace_rows(['identifier_type', 'identifier_value'], ref('int_identity__changed_identifiers')) }}",
) }}
{%- set incremental = identity_is_incremental() %}
{#- read by name, before this build replaces it: a ref would be a cycle -#}
{%- set kept_assignments = identity_kept_relation('int_identity__nodes_assigned') if execute else none %}

with

{% if incremental %}
changed as (
    select * from {{ ref('int_identity__changed_identifiers') }}
),

-- every record holding a changed identifier: what it was seen beside
screened as (
    select * from {{ ref('int_identity__changed_neighbourhood') }}
),
{% else %}
-- depends_on: {{ ref('int_identity__changed_neighbourhood') }}
screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),
{% endif %}

limits as (
    select identifier_type as limit_type, priority as limit_priority, shared_limit
    from {{ ref('stg_cdp__identifier_types') }}
    where shared_limit is not null
),

neighbours as (
    select
        a.identifier_type,
        a.identifier_value,
        b.identifier_type as limit_type,
        b.identifier_value as neighbour_value
    from screened as a
    inner join screened as b
        on b.source = a.source
        and b.record_key = a.record_key
        and b.identifier_type <> a.identifier_type
    inner join limits as l
        on l.limit_type = b.identifier_type
        -- only a weaker identifier can be shared by stronger ones: a user id beside
        -- three emails is one person with three emails
        and l.limit_priority < a.priority
),

counted as (
    select identifier_type, identifier_value, limit_type, count(distinct neighbour_value) as distinct_neighbours
    from neighbours
    group by identifier_type, identifier_value, limit_type
),

types as (
    select * from {{ ref('stg_cdp__identifier_types') }}
),

-- An email on two records of one source whose typed names are two people's (each names
-- someone, and both the first word and the rest differ by more than a slip, and not as
-- the same two words swapped) is shared too: a clerk's own email typed into two
-- customers' loyalty sign-ups, within the loyalty_id limit. A couple or a family on one
-- email is the same verdict's case, and a nickname ('Bob Lee' and 'Robert Lee'), a married
-- name ('Ann Lee' and 'Ann Park') or a slip in one word is one person.
email_observations as (
    select s.source, s.record_key, s.identifier_type, s.identifier_value
    from screened as s
    inner join types as t on t.identifier_type = s.identifier_type
    where t.normalize = 'email'
),

email_record_names as (
    select
        c.source,
        c.record_key,
        {{ typed_full_name("coalesce(
            max(case when c.trait = 'first_name' then c.value end) || ' '
                || max(case when c.trait = 'last_name' then c.value end),
            max(case when c.trait = 'name' then c.value end)
        )") }} as full_name
    from {{ ref('stg_cdp__trait_copies') }} as c
    inner join (select distinct source, record_key from email_observations) as r
        on r.source = c.source and r.record_key = c.record_key
    where c.trait in ('first_name', 'last_name', 'name')
    group by c.source, c.record_key
),

email_names as (
    select distinct
        o.identifier_type,
        o.identifier_value,
        o.source,
        {{ first_word('n.full_name') }} as first_word,
        {{ name_rest('n.full_name') }} as rest
    from email_observations as o
    inner join email_record_names as n on n.source = o.source and n.record_key = o.record_key
    where n.full_name is not null and {{ is_a_name('n.full_name') }}
),

name_conflicts as (
    select
        a.identifier_type,
        a.identifier_value,
        'on ' || min(a.source) || ' records naming two different people' as detail
    from email_names as a
    inner join email_names as b
        on b.identifier_type = a.identifier_type
        and b.identifier_value = a.identifier_value
        and b.source = a.source
        and b.first_word < a.first_word
    where a.rest <> b.rest
        and not {{ word_slip('a.first_word', 'b.first_word') }}
        and not {{ word_slip('a.rest', 'b.rest') }}
        and not (a.first_word = b.rest and a.rest = b.first_word)
    group by a.identifier_type, a.identifier_value
),

-- each identifier's row in the last build, looked up for the few over a limit (a changed
-- identifier may be an old one, on a record that changed)
last_profiles as (
    {% if kept_assignments is not none %}
    select identifier_type, identifier_value, profile_id from {{ kept_assignments }}
    {% else %}
    select identifier_type, identifier_value, profile_id from ({{ identity_no_assignments() }}) as none_yet
    {% endif %}
),

over_limit as (
    select
        c.identifier_type,
        c.identifier_value,
        'seen beside ' || cast(c.distinct_neighbours as {{ dbt.type_string() }}) || ' distinct ' || c.limit_type
            || ' values (limit ' || cast(l.shared_limit as {{ dbt.type_string() }}) || ')' as detail,
        -- the rules keep the rest apart without it: it is weak, or a split keeps the values apart
        case when p.identifier_value is not null and (coalesce(t.weak, false) or m.max_per_profile is not null) then 1 else 0 end as keepable
    from counted as c
    inner join limits as l on l.limit_type = c.limit_type
    inner join types as m on m.identifier_type = c.limit_type
    left join types as t on t.identifier_type = c.identifier_type
    left join last_profiles as p on p.identifier_type = c.identifier_type and p.identifier_value = c.identifier_value
    where c.distinct_neighbours > l.shared_limit
    union all
    select identifier_type, identifier_value, detail, 0 as keepable
    from name_conflicts
),

-- kept only when every limit it is over allows it
verdicts as (
    select
        identifier_type,
        identifier_value,
        case when min(keepable) = 1 then 'kept_on_profile' else 'shared' end as rule
    from over_limit
    group by identifier_type, identifier_value
),

judged as (
    select
        v.rule,
        o.identifier_type,
        o.identifier_value,
        o.detail || case when v.rule = 'kept_on_profile' then ': linked before, kept where it was' else '' end as detail
    from over_limit as o
    inner join verdicts as v on v.identifier_type = o.identifier_type and v.identifier_value = o.identifier_value
),

final as (
    select j.*
    from judged as j
    {% if incremental %}
    inner join changed as c on c.identifier_type = j.identifier_type and c.identifier_value = j.identifier_value
    {% endif %}
)

select * from final
