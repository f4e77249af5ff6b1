with

source as (
    select * from {{ source_or_empty('consent_statements', {
        'purpose': 'varchar', 'statement_index': 'bigint', 'source': 'varchar', 'columns': 'varchar', 'sql': 'varchar'}) }}
),

-- landing's typed placeholder has no purpose
final as (
    select purpose, statement_index, source, columns, sql from source
    where purpose is not null
)

select * from final
