with

source as (
    select * from {{ source_or_empty('account_segment_definitions', {
        'name': 'varchar', 'description': 'varchar', 'predicate': 'varchar'}) }}
),

final as (
    -- the placeholder row that keeps the table when cdp.yml declares none has no name
    select name, description, predicate from source
    where name is not null
)

select * from final
