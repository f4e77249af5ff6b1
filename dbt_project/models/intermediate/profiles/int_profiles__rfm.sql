-- RFM: recency, frequency and monetary scores 1-5 (5 best) by quintile among buyers,
-- online and in store together. Ties break on profile_id so scores are repeatable.
-- Purchases take their profile from the resolved records, as cdp.orders and
-- cdp.pos_transactions do: an intermediate model reads staging and intermediate only.
with

records as (
    select * from {{ ref('int_identity__records_resolved') }}
),

orders as (
    select r.profile_id, o.created_at as purchased_at, o.total as amount
    from {{ ref('stg_shop__orders') }} as o
    inner join records as r on r.source = 'shop_orders' and r.record_key = o.order_id
    where r.profile_id is not null and o.is_revenue
),

pos_transactions as (
    select r.profile_id, t.transacted_at as purchased_at, t.amount
    from {{ ref('stg_pos__transactions') }} as t
    inner join records as r on r.source = 'pos_transactions' and r.record_key = t.transaction_id
    where r.profile_id is not null
),

purchases as (
    select * from orders
    union all
    select * from pos_transactions
),

buyers as (
    select
        profile_id,
        max(purchased_at) as last_purchase_at,
        count(*) as purchase_count,
        sum(amount) as purchase_value
    from purchases
    group by profile_id
),

scored as (
    select
        profile_id,
        last_purchase_at,
        purchase_count,
        ntile(5) over (order by last_purchase_at, profile_id) as recency_score,
        ntile(5) over (order by purchase_count, profile_id) as frequency_score,
        ntile(5) over (order by purchase_value, profile_id) as monetary_score
    from buyers
),

final as (
    select
        *,
        case
            when recency_score >= 4 and frequency_score >= 4 then 'champions'
            when recency_score >= 4 and frequency_score <= 2 then 'new_customers'
            when recency_score >= 3 and frequency_score >= 3 then 'loyal'
            when recency_score <= 2 and frequency_score >= 3 then 'at_risk'
            when recency_score <= 2 then 'hibernating'
            else 'needs_attention'
        end as rfm_segment
    from scored
)

select * from final
