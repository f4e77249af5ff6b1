-- The members that a source's column names (cdp.yml accounts.members_from, a CRM's
-- company): one row per record of the latest copy, each select compiled by
-- core/accounts.py and run with its marks filled in for this engine.
-- depends_on: {{ ref('stg_cdp__account_member_sources') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
{%- set declared = run_query("select source, sql from " ~ ref('stg_cdp__account_member_sources')
                             ~ " order by source").rows if execute else [] %}
{#- a declared source nothing has landed for yet has no columns to read: it names no one -#}
{%- set rows = [] %}
{%- for source_name, sql in declared %}
    {%- if landed_relation(source_name) is not none %}
        {%- do rows.append((source_name, sql)) %}
    {%- endif %}
{%- endfor %}

with

final as (
    {%- if rows | length == 0 %}
    select cast(null as {{ dbt.type_string() }}) as account_id, cast(null as {{ dbt.type_string() }}) as profile_id,
        cast(null as {{ dbt.type_timestamp() }}) as seen_at, cast(null as {{ dbt.type_string() }}) as source
    where 1 = 0
    {%- else %}
        {%- for source_name, sql in rows %}
    select m.account_id, m.profile_id, m.seen_at, '{{ source_name }}' as source
    from ({{ resolve_cdp_marks(sql) }}) as m
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endif %}
)

select * from final
