with

source as (
    select * from {{ source_or_empty('pos_loyalty_members', {
        'loyalty_id': 'varchar', 'email': 'varchar', 'phone': 'varchar',
        '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

deduplicated as (
    {{ deduplicate('source', 'loyalty_id', '_cdp_loaded_at desc, _cdp_line desc') }}
),

final as (
    select
        trim(loyalty_id) as loyalty_id,
        email,
        phone,
        _cdp_file as source_file
    from deduplicated
)

select * from final
