with

source as (
    select * from {{ source_or_empty('identity_overrides', {
        'action': 'varchar', 'type_a': 'varchar', 'value_a': 'varchar',
        'type_b': 'varchar', 'value_b': 'varchar', 'note': 'varchar'}) }}
),

final as (
    select
        action,
        type_a,
        value_a,
        type_b,
        value_b,
        note,
        -- where a rule hit says the decision came from: the config, and the reviewer's note
        'identity.overrides' || case when note = '' then '' else ': ' || note end as reason
    from source
    where action in ('merge', 'split')
)

select * from final
