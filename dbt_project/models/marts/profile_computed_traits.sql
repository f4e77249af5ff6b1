-- One row per profile, a column per computed trait of cdp.yml (computed_traits:) and per
-- trait its sources declare that cdp.profiles has no column for (the value profile_traits
-- chose, cast to the type the source declares), each the select core/computed_traits.py
-- compiled, left joined on the profiles; a profile with no matching record has 0 for a
-- count, false for exists, null otherwise. Its
-- columns follow cdp.yml, so no contract pins them; windows move with the run's clock.
-- A trait's name is quoted for the engine: `order` is a keyword.
{{ config(contract={'enforced': false}, tags=['moves_with_clock']) }}

-- depends_on: {{ ref('stg_cdp__computed_trait_definitions') }}
-- depends_on: {{ ref('events') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
-- depends_on: {{ ref('profile_traits') }}
{%- set traits = computed_trait_definitions() %}

with

profiles as (
    select profile_id from {{ ref('profiles') }}
),
{% for name, data_type, empty_value, sql in traits %}
trait_{{ loop.index }} as (
    {{ resolve_cdp_marks(sql) }}
),
{% endfor %}
final as (
    select
        p.profile_id
        {%- for name, data_type, empty_value, sql in traits %},
        {%- if empty_value is not none %}
        cast(coalesce(trait_{{ loop.index }}.value, {{ empty_value }}) as {{ computed_trait_type(data_type) }})
        {%- elif '__CDP_PROFILE_TRAITS__' in sql %}
        {{ cast_or_null('trait_' ~ loop.index ~ '.value', computed_trait_type(data_type)) }}
        {%- else %}
        cast(trait_{{ loop.index }}.value as {{ computed_trait_type(data_type) }})
        {%- endif %} as {{ adapter.quote(name) }}
        {%- endfor %}
    from profiles as p
    {%- for name, data_type, empty_value, sql in traits %}
    left join trait_{{ loop.index }} on trait_{{ loop.index }}.profile_id = p.profile_id
    {%- endfor %}
)

select * from final
