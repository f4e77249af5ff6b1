with

source as (
    select * from {{ source_or_empty('crm_contacts', {
        'contact_id': 'varchar', 'email': 'varchar', 'phone': 'varchar', 'first_name': 'varchar',
        'last_name': 'varchar', 'company': 'varchar', 'job_title': 'varchar', 'lifecycle_stage': 'varchar',
        'updated_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

-- a contact exported again replaces the earlier export: latest updated_at wins
deduplicated as (
    {{ deduplicate('source', 'contact_id', 'updated_at desc, _cdp_loaded_at desc, _cdp_line desc') }}
),

final as (
    select
        trim(contact_id) as contact_id,
        email,
        phone,
        first_name,
        last_name,
        company,
        job_title,
        lower(trim(lifecycle_stage)) as lifecycle_stage,
        cast(updated_at as timestamp) as updated_at,
        _cdp_file as source_file
    from deduplicated
)

select * from final
