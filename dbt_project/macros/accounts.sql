{#- An account segment's predicate (core/accounts.py) with its marks filled in: the
    members' profiles (joined to their computed traits only when the
    condition names one), then every mark profile conditions leave (resolve_cdp_marks). -#}
{% macro resolve_account_marks(predicate) -%}
    {%- set profiles = ref('profiles') -%}
    {%- if '__CDP_COLUMN__' in predicate -%}
        {%- set profiles = '(select * from ' ~ ref('profiles') ~ ' inner join ' ~ ref('profile_computed_traits')
                           ~ ' using (profile_id))' -%}
    {%- endif -%}
    {%- set sql = predicate.replace('__CDP_MEMBER_PROFILES__', profiles ~ ' as member_profiles') -%}
    {{ return(resolve_cdp_marks(sql)) }}
{%- endmacro %}
