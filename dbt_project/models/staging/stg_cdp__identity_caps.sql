with

source as (
    select * from {{ source_or_empty('identity_caps', {
        'max_identifiers_per_profile': 'bigint', 'max_merges_per_profile': 'bigint'}) }}
),

final as (
    select
        cast(max_identifiers_per_profile as integer) as max_identifiers_per_profile,
        cast(max_merges_per_profile as integer) as max_merges_per_profile
    from source
)

select * from final
