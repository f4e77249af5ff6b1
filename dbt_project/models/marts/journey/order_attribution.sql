-- Which channels brought each web order, three ways: first touch, last touch (the last
-- visit with a campaign, else the last visit) and linear (each visit an equal share).
-- Touches are the profile's visits in the 30 days up to the order; an order with none
-- is credited to '(none)'. Each model's credits sum to 1 per order, so attributed
-- revenue sums to order revenue.
with

orders as (
    select * from {{ ref('orders') }}
    where profile_id is not null and is_revenue
),

sessions as (
    select * from {{ ref('sessions') }}
),

touches as (
    select
        o.order_id,
        s.channel,
        row_number() over (partition by o.order_id order by s.started_at, s.session_id) as first_rank,
        row_number() over (
            partition by o.order_id
            order by case when s.channel = 'direct' then 1 else 0 end, s.started_at desc, s.session_id desc
        ) as last_rank,
        count(*) over (partition by o.order_id) as touch_count
    from orders as o
    inner join sessions as s
        on s.profile_id = o.profile_id
        and s.started_at <= o.created_at
        and s.started_at > {{ dbt.dateadd('day', -30, 'o.created_at') }}
),

credited as (
    select
        order_id,
        channel,
        count(*) as touches,
        sum(case when first_rank = 1 then 1.0 else 0.0 end) as first_touch_credit,
        sum(case when last_rank = 1 then 1.0 else 0.0 end) as last_touch_credit,
        sum(1.0 / touch_count) as linear_credit
    from touches
    group by order_id, channel
    union all
    select o.order_id, '(none)', 0, 1.0, 1.0, 1.0
    from orders as o
    where not exists (select 1 from touches as t where t.order_id = o.order_id)
),

final as (
    select
        c.order_id,
        o.profile_id,
        o.created_at as ordered_at,
        c.channel,
        c.touches,
        c.first_touch_credit,
        c.last_touch_credit,
        c.linear_credit,
        o.total as revenue,
        o.total * c.first_touch_credit as first_touch_revenue,
        o.total * c.last_touch_credit as last_touch_revenue,
        o.total * c.linear_credit as linear_revenue
    from credited as c
    inner join orders as o on o.order_id = c.order_id
)

select * from final
