-- What links the groups of a judged component (int_identity__groups): each weak group
-- (a phone, a browser, with whatever weak identifiers records of weak ones alone tie to
-- it) and each group of strong identifiers it is beside.
--
-- Absent evidence is not agreement: a weak group joins the groups beside it only when
-- each of them has a full name on its records (one that names someone, not an initial or
-- a placeholder: macros/is_a_name.sql; or, with none there, in the local part of
-- one of its emails: 'kate.roberts@') and all those names, and any on the weak
-- group's own records, agree (confirmed): are one, but for a one-letter slip inside a word
-- that is not between two common first names (macros/names_agree.sql), and at least one of them was typed on a record: names from
-- emails alone confirm no one ('ms.smith@' and 'mrs.smith@' are one slip apart). When two or more have a name, all one, and
-- others none, it joins the named ones only. Otherwise (unconfirmed: a landline on Jon's
-- contact and on Pia's loyalty card, which carries no name; a family computer one member
-- logs in on and two others use with their email alone) it joins at most one group, its
-- home, and links no one else:
-- 1. the one group it was in a profile with in the last build (a conflict does not move
--    an established identifier);
-- 2. else the one group whose account (a type with max_per_profile, such as a user id)
--    is on a record with it: the family computer stays with the member who logs in on it;
-- 3. else, when no account is on a record with it, the one group with a name: the number
--    on a named contact and on a loyalty card with nothing else on it stays with the contact.
-- A reviewed merge (identity.overrides) of it with a strong identifier takes the place of
-- a home. With no home it is in no profile. A weak group beside one group only joins it.
-- is_linked marks the rows int_identity__components_confirmed links.

-- depends_on: {{ ref('int_identity__region_identifiers') }}
{% set max_names_compared = 4 %}

with

groups as (
    select * from {{ ref('int_identity__groups') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

account_types as (
    select identifier_type from {{ ref('stg_cdp__identifier_types') }} where max_per_profile is not null
),

-- a weak node's neighbours that are not weak are the anchors of its records: an account
-- there (a user id) logged in on the browser, or was given with the phone
beside as (
    select
        w.group_id as weak_group_id,
        s.group_id,
        max(case when t.identifier_type is not null then 1 else 0 end) as has_account
    from {{ ref('int_identity__edges') }} as e
    inner join groups as w on w.node_id = e.node_id and w.is_weak
    inner join groups as s on s.node_id = e.neighbour_id and not s.is_weak
    inner join nodes as n on n.node_id = e.neighbour_id
    left join account_types as t on t.identifier_type = n.identifier_type
    where e.is_weak and not e.neighbour_is_weak
    group by w.group_id, s.group_id
),

bridging as (
    select weak_group_id from beside group by weak_group_id having count(*) > 1
),

-- identity.overrides: a reviewed merge of a weak identifier with a strong one links their
-- groups whatever the evidence, and in place of a home
reviewed as (
    select distinct w.group_id as weak_group_id, g.group_id
    from {{ ref('stg_cdp__identity_overrides') }} as o
    inner join nodes as a on a.identifier_type = o.type_a and a.identifier_value = o.value_a
    inner join nodes as b on b.identifier_type = o.type_b and b.identifier_value = o.value_b
    inner join groups as w on w.node_id in (a.node_id, b.node_id) and w.is_weak
    inner join groups as g on g.node_id in (a.node_id, b.node_id) and not g.is_weak
    where o.action = 'merge'
),

-- the records anchored in a group: a weak group's own records hold weak identifiers alone
group_records as (
    select a.source, a.record_key, g.group_id
    from {{ ref('int_identity__record_anchors') }} as a
    inner join groups as g on g.node_id = a.anchor_id
),

-- the full name typed on each record (a CRM contact, a login, a loyalty card that carries one)
record_names as (
    select
        t.source,
        t.record_key,
        {{ typed_full_name("coalesce(
            max(case when t.trait = 'first_name' then t.value end) || ' '
                || max(case when t.trait = 'last_name' then t.value end),
            max(case when t.trait = 'name' then t.value end)
        )") }} as full_name
    from {{ ref('stg_cdp__trait_copies') }} as t
    inner join group_records as r on r.source = t.source and r.record_key = t.record_key
    where t.trait in ('first_name', 'last_name', 'name')
    group by t.source, t.record_key
),

-- a name is evidence only when it names someone: not an initial ('J Silva'), a
-- placeholder ('CUSTOMER', 'n/a') or a title (macros/is_a_name.sql)
names_on_records as (
    select distinct r.group_id, n.full_name, 1 as is_typed
    from group_records as r
    inner join record_names as n on n.source = r.source and n.record_key = r.record_key
    where n.full_name is not null and {{ is_a_name('n.full_name') }}
),

-- A group with no name on its records is named by an email of its own whose local part
-- is a first and a last name ('kate.roberts', 'kate_roberts85'): as good as a name typed
-- beside it. An initial ('kroberts', 'k.roberts', 'jo.silva') names no one: a housemate
-- shares the surname, and may share the initial; nor does a title or a role word
-- (seeds/email_role_words.csv: 'mrs.smith', 'customer.service'), which any couple or firm
-- may share.
{%- set named_local_part = "'^([a-z]{3,})[._-]([a-z]{2,})[0-9]*$'" %}
email_local_parts as (
    select g.group_id, {{ dbt.split_part('n.identifier_value', "'@'", 1) }} as local_part
    from groups as g
    inner join nodes as n on n.node_id = g.node_id
    inner join {{ ref('stg_cdp__identifier_types') }} as t on t.identifier_type = n.identifier_type
    where t.normalize = 'email' and not g.is_weak
        and g.group_id not in (select group_id from names_on_records)
),

local_part_words as (
    select
        group_id,
        regexp_extract(local_part, {{ named_local_part }}, 1) as first_word,
        regexp_extract(local_part, {{ named_local_part }}, 2) as last_word
    from email_local_parts
    where {{ regexp_matches('local_part', named_local_part) }}
),

names_in_emails as (
    select distinct w.group_id, w.first_word || ' ' || w.last_word as full_name, 0 as is_typed
    from local_part_words as w
    left join {{ ref('email_role_words') }} as r on lower(trim(r.word)) in (w.first_word, w.last_word)
    where r.word is null
),

group_names as (
    select * from names_on_records
    union all
    select * from names_in_emails
),

-- each identifier's profile in the last build: a weak group keeps to the group it shared one with
last_profiles as (
    select g.group_id, g.is_weak, p.profile_id
    from ({{ identity_last_profiles() }}) as p
    inner join nodes as n on n.identifier_type = p.identifier_type and n.identifier_value = p.identifier_value
    inner join groups as g on g.node_id = n.node_id
),

weak_last_profiles as (
    select group_id as weak_group_id, min(profile_id) as profile_id
    from last_profiles
    where is_weak
    group by group_id
    having count(distinct profile_id) = 1
),

group_name_counts as (
    select group_id, count(*) as names from group_names group by group_id
),

-- the groups that shared the weak group's profile in the last build
were_with as (
    select distinct w.weak_group_id, p.group_id
    from weak_last_profiles as w
    inner join last_profiles as p on p.profile_id = w.profile_id and not p.is_weak
),

sides as (
    select
        b.weak_group_id,
        b.group_id,
        coalesce(n.names, 0) as names,
        b.has_account,
        case when w.group_id is null then 0 else 1 end as was_with,
        case when r.group_id is null then 0 else 1 end as is_reviewed
    from beside as b
    inner join bridging as x on x.weak_group_id = b.weak_group_id
    left join reviewed as r on r.weak_group_id = b.weak_group_id and r.group_id = b.group_id
    left join group_name_counts as n on n.group_id = b.group_id
    left join were_with as w on w.weak_group_id = b.weak_group_id and w.group_id = b.group_id
),

-- the full names on the groups beside a weak group and on its own records, and whether
-- any record typed it
names_seen_beside as (
    select weak_group_id, full_name, max(is_typed) as is_typed
    from (
        select s.weak_group_id, n.full_name, n.is_typed
        from sides as s
        inner join group_names as n on n.group_id = s.group_id
        union all
        select b.weak_group_id, n.full_name, n.is_typed
        from bridging as b
        inner join group_names as n on n.group_id = b.weak_group_id
    ) as seen
    group by weak_group_id, full_name
),

-- each name's first word, if a common first name: two of those a letter apart ('dean',
-- 'dan') are two people, not a clerk's slip
names_beside as (
    select n.weak_group_id, n.full_name, n.is_typed, c.name is not null as first_is_common
    from names_seen_beside as n
    left join (select distinct lower(trim(name)) as name from {{ ref('common_first_names') }}) as c
        on c.name = {{ first_word('n.full_name') }}
),

-- a name from an email agrees only with one typed on a record, never with another from an
-- email: with none typed, the names seen confirm no one
name_counts as (
    select weak_group_id, count(*) as names, max(is_typed) as any_typed
    from names_beside
    group by weak_group_id
),

-- weak groups seen with two names that do not agree (a slip of one letter agrees); more
-- than a household's few names never agree, and are not compared pair by pair
names_apart as (
    select weak_group_id from name_counts where names > {{ max_names_compared }}
    union
    select a.weak_group_id
    from names_beside as a
    inner join names_beside as b on b.weak_group_id = a.weak_group_id and a.full_name < b.full_name
    inner join name_counts as c on c.weak_group_id = a.weak_group_id and c.names <= {{ max_names_compared }}
    where not {{ names_agree('a.full_name', 'b.full_name', 'a.first_is_common', 'b.first_is_common') }}
),

-- 1 when the names seen all agree, else how many different ones
names_seen as (
    select
        c.weak_group_id,
        case when x.weak_group_id is null then 1 else c.names end as distinct_names,
        1 - c.any_typed as emails_alone
    from name_counts as c
    left join names_apart as x on x.weak_group_id = c.weak_group_id
),

verdicts as (
    select
        s.weak_group_id,
        count(*) as group_count,
        sum(case when s.names = 0 then 1 else 0 end) as unnamed,
        sum(case when s.names > 0 then 1 else 0 end) as named,
        sum(s.has_account) as accounts,
        sum(s.was_with) as was_with,
        sum(s.is_reviewed) as reviewed,
        -- the one account beside it, and the one named group, whichever the home is: when
        -- the group it was with is one of them, that says why (the same in any build)
        max(s.was_with * s.has_account) as was_with_account,
        max(case when s.names > 0 then s.was_with else 0 end) as was_with_name,
        coalesce(max(n.distinct_names), 0) as distinct_names,
        coalesce(max(n.emails_alone), 0) as emails_alone
    from sides as s
    left join names_seen as n on n.weak_group_id = s.weak_group_id
    group by s.weak_group_id
),

judged as (
    select
        v.*,
        v.unnamed = 0 and v.distinct_names = 1 and v.emails_alone = 0 as confirmed,
        -- two or more groups with a name, one name on all, one of them typed: those are one person
        v.named > 1 and v.distinct_names = 1 and v.emails_alone = 0 as named_agree,
        case
            when v.reviewed > 0 then 'reviewed'
            when v.named > 1 and v.distinct_names = 1 and v.emails_alone = 0 then null
            when v.was_with = 1 then 'was_with'
            when v.accounts = 1 then 'account'
            when v.accounts = 0 and v.named = 1 then 'name'
        end as home,
        case
            when v.reviewed > 0 then 'reviewed'
            when v.named > 1 and v.distinct_names = 1 and v.emails_alone = 0 then null
            when v.was_with = 1 and not (v.accounts = 1 and v.was_with_account = 1)
                and not (v.accounts = 0 and v.named = 1 and v.was_with_name = 1) then 'was_with'
            when v.accounts = 1 then 'account'
            when v.accounts = 0 and v.named = 1 then 'name'
        end as home_reason
    from verdicts as v
),

bridged as (
    select
        s.weak_group_id,
        s.group_id,
        j.confirmed,
        (j.named_agree and s.names > 0)
            or (j.home = 'reviewed' and s.is_reviewed = 1)
            or (j.home = 'was_with' and s.was_with = 1)
            or (j.home = 'account' and s.has_account = 1)
            or (j.home = 'name' and s.names > 0)
            as is_linked,
        case when j.confirmed then 'confirmed' else 'unconfirmed' end as rule,
        'weak: would join ' || cast(j.group_count as {{ dbt.type_string() }}) || ' groups of identifiers'
            || case when j.confirmed then ', and one full name is seen on each'
               else
                    case when j.distinct_names > 1 then ' seen with ' || cast(j.distinct_names as {{ dbt.type_string() }}) || ' different full names' else '' end
                    || case when j.emails_alone = 1 and j.distinct_names = 1 and j.named > 1
                        then ', named by their emails alone, which confirm no one' else '' end
                    || case when j.unnamed > 0 then ', ' || cast(j.unnamed as {{ dbt.type_string() }}) || ' of them with no name to confirm it' else '' end
                    || case when j.named_agree then '; joins the ' || cast(j.named as {{ dbt.type_string() }})
                        || ' with a name, one full name on each, and no other' else '' end
                    || case j.home_reason
                        when 'reviewed' then '; linked as identity.overrides merges it, to no others'
                        when 'was_with' then '; kept with the identifiers it was with, linking no others'
                        when 'account' then '; kept with the one account seen with it, linking no others'
                        when 'name' then '; kept with the one name seen with it, linking no others'
                        else '; links no one'
                    end
               end as detail
    from sides as s
    inner join judged as j on j.weak_group_id = s.weak_group_id
),

-- a weak group beside one group only joins it: it bridges nothing
final as (
    select * from bridged
    union all
    select b.weak_group_id, b.group_id, true, true, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }})
    from beside as b
    where b.weak_group_id not in (select weak_group_id from bridging)
)

select * from final
