-- Each profile's touchpoints in order, from the first visit to the latest purchase:
-- visits (with their channel), email clicks, web orders and in-store purchases.
with

sessions as (
    select * from {{ ref('sessions') }}
),

email_events as (
    select * from {{ ref('email_events') }}
    where profile_id is not null and event_type = 'click'
),

orders as (
    select * from {{ ref('orders') }}
    where profile_id is not null
),

pos_transactions as (
    select * from {{ ref('pos_transactions') }}
    where profile_id is not null
),

touchpoints as (
    select profile_id, started_at as touched_at, 'visit' as touchpoint, channel, session_id as reference,
        cast(null as decimal(18, 2)) as revenue
    from sessions
    union all
    select profile_id, occurred_at, 'email_click', 'email / ' || campaign_id, email_event_id, cast(null as decimal(18, 2))
    from email_events
    union all
    select profile_id, created_at, 'order', null, order_id, case when is_revenue then total else 0 end
    from orders
    union all
    select profile_id, transacted_at, 'store_purchase', 'store', transaction_id, amount
    from pos_transactions
),

final as (
    select
        profile_id,
        row_number() over (partition by profile_id order by touched_at, touchpoint, reference) as step,
        touched_at,
        touchpoint,
        channel,
        reference,
        revenue,
        touchpoint in ('order', 'store_purchase') as is_conversion
    from touchpoints
)

select * from final
