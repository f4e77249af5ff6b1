with

source as (
    select * from {{ source_or_empty('segment_definitions', {
        'name': 'varchar', 'description': 'varchar', 'predicate': 'varchar'}) }}
),

final as (
    select name, description, predicate from source
)

select * from final
