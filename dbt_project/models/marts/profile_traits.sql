-- Every trait a profile has, one value each, chosen by the trait's survivorship rule in
-- cdp.yml: most_recent (the default), most_frequent, first_seen, or source_priority
-- (the best-ranked source that has a value; ties by recency). Rules apply to history.
with

traits as (
    select * from {{ ref('stg_cdp__traits') }}
    where value is not null
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
),

rules as (
    select distinct trait, rule from {{ ref('stg_cdp__trait_rules') }}
),

source_ranks as (
    select trait, source, source_rank from {{ ref('stg_cdp__trait_rules') }}
    where source is not null
),

observed as (
    select
        r.profile_id,
        t.trait,
        t.value,
        t.source,
        t.observed_at,
        coalesce(u.rule, 'most_recent') as rule,
        s.source_rank,
        count(*) over (partition by r.profile_id, t.trait, t.value) as value_count
    from traits as t
    inner join records as r on r.source = t.source and r.record_key = t.record_key
    left join rules as u on u.trait = t.trait
    left join source_ranks as s on s.trait = t.trait and s.source = t.source
),

ranked as (
    select
        *,
        row_number() over (
            partition by profile_id, trait
            order by
                case when rule = 'source_priority' then coalesce(source_rank, 1000000) else 0 end,
                case when rule = 'most_frequent' then value_count else 0 end desc,
                case when rule = 'first_seen' then observed_at end asc nulls last,
                observed_at desc,
                source,
                value
        ) as survivor_rank
    from observed
),

final as (
    select profile_id, trait, value, source, observed_at, rule
    from ranked
    where survivor_rank = 1
)

select * from final
