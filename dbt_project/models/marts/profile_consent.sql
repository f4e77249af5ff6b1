-- One row per profile and consent purpose of cdp.yml: the state its latest statement
-- gave (core/consent.py compiles each statement; macros/consent.sql runs it), or
-- `unknown` when nothing stated it. Statements made at the same moment: denied wins.
-- depends_on: {{ ref('events') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
{%- set statements = consent_statement_definitions() %}

with

profiles as (
    select profile_id from {{ ref('profiles') }}
),

purposes as (
    select distinct purpose from {{ ref('stg_cdp__consent_statements') }}
),

statements as (
    {%- for purpose, index, source_name, columns, sql in statements %}
    select
        {{ dbt.string_literal(purpose) }} as purpose,
        {{ dbt.string_literal(source_name) }} as source,
        s.profile_id,
        s.state,
        s.stated_at,
        s.record_key
    from ({{ consent_statement_sql(source_name, columns, sql) }}) as s
    where s.profile_id is not null
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ engine_type('varchar') }}) as purpose,
        cast(null as {{ engine_type('varchar') }}) as source,
        n.*
    from ({{ no_consent_statements() }}) as n
    {%- endfor %}
),

latest as (
    select * from (
        select
            *,
            row_number() over (
                partition by profile_id, purpose
                order by stated_at desc, case when state = 'denied' then 0 else 1 end, source, record_key
            ) as statement_rank
        from statements
    ) as ranked
    where statement_rank = 1
),

final as (
    select
        p.profile_id,
        u.purpose,
        coalesce(l.state, 'unknown') as state,
        coalesce(l.state = 'granted', false) as is_granted,
        l.stated_at as as_of,
        l.source,
        l.record_key
    from profiles as p
    cross join purposes as u
    left join latest as l on l.profile_id = p.profile_id and l.purpose = u.purpose
)

select * from final
