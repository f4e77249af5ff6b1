-- Every trait a profile has, one value each: the most recently observed one wins.
with

traits as (
    select * from {{ ref('stg_cdp__traits') }}
    where value is not null
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
),

ranked as (
    select
        r.profile_id,
        t.trait,
        t.value,
        t.source,
        t.observed_at,
        row_number() over (
            partition by r.profile_id, t.trait order by t.observed_at desc, t.source, t.value
        ) as recency_rank
    from traits as t
    inner join records as r on r.source = t.source and r.record_key = t.record_key
),

final as (
    select profile_id, trait, value, source, observed_at
    from ranked
    where recency_rank = 1
)

select * from final
