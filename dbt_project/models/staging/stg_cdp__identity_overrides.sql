with

source as (
    select * from {{ source_or_empty('identity_overrides', {
        'action': 'varchar', 'type_a': 'varchar', 'value_a': 'varchar',
        'type_b': 'varchar', 'value_b': 'varchar', 'note': 'varchar'}) }}
),

final as (
    select action, type_a, value_a, type_b, value_b, note
    from source
    where action in ('merge', 'split')
)

select * from final
