-- One row per account, a column per account computed trait of cdp.yml (accounts.computed_traits):
-- each the select core/accounts.py compiled over the members' profiles, left joined on the
-- accounts; an account with no matching member has 0 for a count, null otherwise. Its
-- columns follow cdp.yml, so no contract pins them; a member condition's window moves
-- with the run's clock.
{{ config(contract={'enforced': false}, tags=['moves_with_clock']) }}

-- depends_on: {{ ref('stg_cdp__account_trait_definitions') }}
-- depends_on: {{ ref('account_memberships') }}
-- depends_on: {{ ref('profiles') }}
-- depends_on: {{ ref('profile_computed_traits') }}
-- depends_on: {{ ref('profile_consent') }}
-- depends_on: {{ ref('events') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
{%- set traits = run_query("select name, data_type, empty_value, sql from " ~ ref('stg_cdp__account_trait_definitions')
                           ~ " order by name").rows if execute else [] %}

with

accounts as (
    select account_id from {{ ref('accounts') }}
),
{% for name, data_type, empty_value, sql in traits %}
trait_{{ loop.index }} as (
    {{ resolve_account_marks(sql) }}
),
{% endfor %}
final as (
    select
        a.account_id
        {%- for name, data_type, empty_value, sql in traits %},
        {%- if empty_value is not none %}
        cast(coalesce(trait_{{ loop.index }}.value, {{ empty_value }}) as {{ computed_trait_type(data_type) }})
        {%- else %}
        cast(trait_{{ loop.index }}.value as {{ computed_trait_type(data_type) }})
        {%- endif %} as {{ adapter.quote(name) }}
        {%- endfor %}
    from accounts as a
    {%- for name, data_type, empty_value, sql in traits %}
    left join trait_{{ loop.index }} on trait_{{ loop.index }}.account_id = a.account_id
    {%- endfor %}
)

select * from final
