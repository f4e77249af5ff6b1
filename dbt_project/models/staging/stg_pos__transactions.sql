with

source as (
    select * from {{ source_or_empty('pos_transactions', {
        'transaction_id': 'varchar', 'store_id': 'varchar', 'loyalty_id': 'varchar', 'amount': 'double',
        'ts': 'timestamp', '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

deduplicated as (
    {{ deduplicate('source', 'transaction_id', '_cdp_loaded_at, _cdp_line') }}
),

final as (
    select
        trim(transaction_id) as transaction_id,
        store_id,
        trim(loyalty_id) as loyalty_id,
        cast(amount as decimal(18, 2)) as amount,
        cast(ts as timestamp) as transacted_at,
        _cdp_file as source_file
    from deduplicated
)

select * from final
