with

source as (
    select * from {{ source_or_empty('trait_rules', {
        'trait': 'varchar', 'rule': 'varchar', 'source': 'varchar', 'source_rank': 'bigint'}) }}
),

final as (
    select trait, rule, source, source_rank from source
)

select * from final
