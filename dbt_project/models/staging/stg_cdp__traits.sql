with

-- the first copy landed of each record, trait and value as it arrived
deduplicated as (
    {{ deduplicate(ref('stg_cdp__trait_copies'), 'source, record_key, trait, raw_value', '_cdp_loaded_at, _cdp_file') }}
),

final as (
    select
        source,
        record_key,
        trait,
        value,
        observed_at
    from deduplicated
)

select * from final
