with

source as (
    select * from {{ source_or_empty('shop_orders', {
        'order_id': 'varchar', 'email': 'varchar', 'user_id': 'varchar', 'total': 'double',
        'currency': 'varchar', 'created_at': 'timestamp', 'status': 'varchar',
        '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

-- an order exported again (a status change) replaces the earlier export
deduplicated as (
    {{ deduplicate('source', 'order_id', '_cdp_loaded_at desc, _cdp_file desc, _cdp_line desc') }}
),

final as (
    select
        trim(order_id) as order_id,
        email,
        user_id,
        -- money is decimal: sums are exact and do not depend on the order rows are added in
        cast(total as decimal(18, 2)) as total,
        upper(currency) as currency,
        lower(trim(status)) as status,
        -- refunded and cancelled orders are kept as facts but are not revenue
        lower(trim(status)) not in ('refunded', 'cancelled', 'canceled', 'failed') as is_revenue,
        cast(created_at as timestamp) as created_at,
        _cdp_file as source_file
    from deduplicated
)

select * from final
