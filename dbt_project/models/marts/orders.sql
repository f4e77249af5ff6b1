with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'shop_orders'
),

final as (
    select
        o.order_id,
        r.profile_id,
        o.total,
        o.currency,
        o.status,
        o.is_revenue,
        o.created_at,
        o.source_file
    from orders as o
    left join records as r on r.record_key = o.order_id
)

select * from final
