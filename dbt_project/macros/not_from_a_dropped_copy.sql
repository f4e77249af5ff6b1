{#- True for an identifier or trait row (`alias`) that did not come from a copy of an
    event that stg_segment__events drops: what such a copy says about its sender is no
    evidence (see stg_segment__dropped_copies). -#}
{% macro not_from_a_dropped_copy(alias) -%}
    not exists (
        select 1 from {{ ref('stg_segment__dropped_copies') }} as d
        where d.source = {{ alias }}.source and d.record_key = {{ alias }}.record_key
            and d._cdp_loaded_at = {{ alias }}._cdp_loaded_at and d._cdp_file = {{ alias }}._cdp_file
    )
{%- endmacro %}
