-- Links the identity rules judged uncertain, for a data steward: one row per identifier
-- and profile it is seen beside but not in. A weak identifier no evidence confirmed
-- (unconfirmed), one seen beside too many values to belong to anyone (shared), one kept
-- on its profile through a conflict (kept_on_profile), one equally near two values a
-- limit had to split (held_apart), a profile held back from a merge by a cap
-- (cap_held_back), a reviewed merge a rule held back (override_held_back). Largest first
-- (review_rank): by how many profiles the identifier is seen beside, then by their size.
-- Each row carries the two identity.overrides entries that settle it, as YAML text to
-- paste into cdp.yml: merge_override joins the identifier to that profile, split_override
-- keeps it out for good.
with

hits as (
    select * from {{ ref('identity_rule_hits') }}
    where rule in ('unconfirmed', 'shared', 'kept_on_profile', 'held_apart', 'cap_held_back', 'override_held_back')
),

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }} where profile_id is not null
),

-- one row per uncertain identifier, with the profile it is in (none for most)
uncertain as (
    select
        h.identifier_type,
        h.identifier_value,
        min(h.rule) as rule,
        {{ dbt.listagg('h.detail', "'; '", 'order by h.detail') }} as detail,
        max(h.observation_count) as observation_count,
        min(a.profile_id) as profile_id,
        min(a.component_key) as component_key
    from hits as h
    left join assigned as a on a.identifier_type = h.identifier_type and a.identifier_value = h.identifier_value
    group by h.identifier_type, h.identifier_value
),

-- the profiles of the records it is on (looked up by hash, matched by value)
observed as (
    select o.source, o.record_key, u.identifier_type, u.identifier_value
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join uncertain as u on u.identifier_type = o.identifier_type and u.identifier_value = o.identifier_value
    where o.status = 'ok'
        and o.identifier_hash in (select {{ identity_hash(['identifier_type', 'identifier_value']) }} from uncertain)
),

beside as (
    select distinct o.identifier_type, o.identifier_value, r.profile_id as other_profile_id
    from observed as o
    inner join {{ ref('int_identity__records_resolved') }} as r on r.source = o.source and r.record_key = o.record_key
    union
    -- a profile held back from a merge: the profiles of the component it was held back from
    select u.identifier_type, u.identifier_value, a.profile_id
    from uncertain as u
    inner join assigned as a on a.component_key = u.component_key
    where u.rule = 'cap_held_back'
),

pairs as (
    select u.*, b.other_profile_id
    from uncertain as u
    inner join beside as b on b.identifier_type = u.identifier_type and b.identifier_value = u.identifier_value
    where u.profile_id is null or b.other_profile_id <> u.profile_id
),

-- each profile named by its strongest identifier (ties: type, value), and its size
other_profiles as (
    select profile_id, identifier_count, identifier_type || ':' || identifier_value as representative
    from (
        select
            a.profile_id,
            a.identifier_type,
            a.identifier_value,
            count(*) over (partition by a.profile_id) as identifier_count,
            row_number() over (partition by a.profile_id order by a.priority, a.identifier_type, a.identifier_value) as strength_rank
        from assigned as a
        where a.profile_id in (select other_profile_id from pairs)
    ) as ranked
    where strength_rank = 1
),

sized as (
    select
        p.*,
        o.identifier_count as other_profile_identifiers,
        o.representative,
        count(*) over (partition by p.identifier_type, p.identifier_value) as profiles_beside
    from pairs as p
    inner join other_profiles as o on o.profile_id = p.other_profile_id
),

final as (
    select
        row_number() over (
            order by profiles_beside desc, other_profile_identifiers desc, identifier_type, identifier_value, other_profile_id
        ) as review_rank,
        rule,
        identifier_type,
        identifier_value,
        profile_id,
        other_profile_id,
        profiles_beside,
        other_profile_identifiers,
        observation_count,
        detail,
        '{action: merge, a: ' || {{ yaml_quoted("identifier_type || ':' || identifier_value") }}
            || ', b: ' || {{ yaml_quoted('representative') }}
            || ', note: ' || {{ yaml_quoted("'review queue: ' || rule") }} || '}' as merge_override,
        '{action: split, a: ' || {{ yaml_quoted('representative') }}
            || ', b: ' || {{ yaml_quoted("identifier_type || ':' || identifier_value") }}
            || ', note: ' || {{ yaml_quoted("'review queue: ' || rule") }} || '}' as split_override
    from sized
)

select * from final
