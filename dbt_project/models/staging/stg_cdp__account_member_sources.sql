with

source as (
    select * from {{ source_or_empty('account_member_sources', {'source': 'varchar', 'sql': 'varchar'}) }}
),

final as (
    -- the placeholder row that keeps the table when cdp.yml declares none has no source
    select source, sql from source
    where source is not null
)

select * from final
