{#- One row per `partition_by`: the first by `order_by`. Each staging model says which
    copy wins (the first that landed, or the latest export) through its order. -#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    select *
    from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _cdp_copy_rank
        from {{ relation }}
    ) as ranked
    where _cdp_copy_rank = 1
{%- endmacro %}
