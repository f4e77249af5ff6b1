with

source as (
    select * from {{ source_or_empty('computed_trait_definitions', {
        'name': 'varchar', 'description': 'varchar', 'data_type': 'varchar', 'empty_value': 'varchar', 'sql': 'varchar'}) }}
),

final as (
    select name, description, data_type, empty_value, sql from source
)

select * from final
