with

transactions as (
    select * from {{ ref('stg_pos__transactions') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'pos_transactions'
),

final as (
    select
        t.transaction_id,
        r.profile_id,
        t.store_id,
        t.loyalty_id,
        t.amount,
        t.transacted_at,
        t.source_file
    from transactions as t
    left join records as r on r.record_key = t.transaction_id
)

select * from final
