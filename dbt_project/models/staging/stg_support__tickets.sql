with

source as (
    select * from {{ source_or_empty('support_tickets', {
        'ticket_id': 'varchar', 'requester_email': 'varchar', 'subject': 'varchar', 'status': 'varchar',
        'created_at': 'timestamp', '_cdp_file': 'varchar', '_cdp_line': 'bigint', '_cdp_loaded_at': 'timestamp'}) }}
),

-- a ticket exported again replaces the earlier export (the file breaks a tie of load times)
deduplicated as (
    {{ deduplicate('source', 'ticket_id', '_cdp_loaded_at desc, _cdp_file desc, _cdp_line desc') }}
),

final as (
    select
        trim(ticket_id) as ticket_id,
        requester_email,
        subject,
        lower(trim(status)) as status,
        lower(trim(status)) in ('open', 'pending', 'new') as is_open,
        cast(created_at as timestamp) as created_at,
        _cdp_file as source_file
    from deduplicated
)

select * from final
