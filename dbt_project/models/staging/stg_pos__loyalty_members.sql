with

source as (
    select * from {{ source_or_empty('pos_loyalty_members', {
        'loyalty_id': 'varchar', 'email': 'varchar', 'phone': 'varchar',
        '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

numbered as (
    select
        *,
        row_number() over (partition by loyalty_id order by _cdp_loaded_at desc, _cdp_line desc) as version_rank
    from source
),

final as (
    select
        trim(loyalty_id) as loyalty_id,
        email,
        phone,
        _cdp_file as source_file
    from numbered
    where version_rank = 1
)

select * from final
