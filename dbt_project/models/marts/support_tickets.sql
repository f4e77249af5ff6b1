with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'support_tickets'
),

final as (
    select
        t.ticket_id,
        r.profile_id,
        t.subject,
        t.status,
        t.is_open,
        t.created_at,
        t.source_file
    from tickets as t
    left join records as r on r.record_key = t.ticket_id
)

select * from final
