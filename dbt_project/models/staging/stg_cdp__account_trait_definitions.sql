with

source as (
    select * from {{ source_or_empty('account_trait_definitions', {
        'name': 'varchar', 'description': 'varchar', 'data_type': 'varchar', 'empty_value': 'varchar', 'sql': 'varchar'}) }}
),

final as (
    -- the placeholder row that keeps the table when cdp.yml declares none has no name
    select name, description, data_type, empty_value, sql from source
    where name is not null
)

select * from final
