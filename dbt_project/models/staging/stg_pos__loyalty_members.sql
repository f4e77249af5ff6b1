with

source as (
    -- the holder's name is optional: many loyalty exports carry it, the contract's does not
    select * from {{ source_or_empty('pos_loyalty_members', {
        'loyalty_id': 'varchar', 'email': 'varchar', 'phone': 'varchar', 'first_name': 'varchar', 'last_name': 'varchar',
        '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}, optional=['first_name', 'last_name']) }}
),

-- a card exported again replaces the earlier export (the file breaks a tie of load times)
deduplicated as (
    {{ deduplicate('source', 'loyalty_id', '_cdp_loaded_at desc, _cdp_file desc, _cdp_line desc') }}
),

final as (
    select
        trim(loyalty_id) as loyalty_id,
        email,
        phone,
        first_name,
        last_name,
        _cdp_file as source_file
    from deduplicated
)

select * from final
