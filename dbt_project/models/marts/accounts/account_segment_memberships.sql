-- The accounts in each account segment of cdp.yml (accounts.segments): one select per
-- definition over cdp.accounts (and its computed traits when the predicate names one), its
-- predicate compiled by core/accounts.py, with members'
-- conditions read from the profiles (and their computed traits when one is named).
-- Relative windows move with the run's clock, as profile segments' do.
-- depends_on: {{ ref('stg_cdp__account_segment_definitions') }}
-- depends_on: {{ ref('account_memberships') }}
-- depends_on: {{ ref('account_computed_traits') }}
-- depends_on: {{ ref('profiles') }}
-- depends_on: {{ ref('profile_computed_traits') }}
-- depends_on: {{ ref('profile_consent') }}
-- depends_on: {{ ref('profile_traits') }}
-- depends_on: {{ ref('events') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
{%- set rows = run_query("select name, predicate from " ~ ref('stg_cdp__account_segment_definitions')
                         ~ " order by name").rows if execute else [] %}

with

accounts as (
    select * from {{ ref('accounts') }}
),

final as (
    {%- if rows | length == 0 %}
    select cast(null as {{ dbt.type_string() }}) as segment, cast(null as {{ dbt.type_string() }}) as account_id
    where 1 = 0
    {%- else %}
        {%- for name, predicate in rows %}
    select '{{ name }}' as segment, account_id
    from accounts
            {%- if '__CDP_COLUMN__' in predicate %} left join {{ ref('account_computed_traits') }} using (account_id){% endif %}
    where {{ resolve_account_marks(predicate) }}
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endif %}
)

select * from final
