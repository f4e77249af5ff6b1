{#- One row per `partition_by`: the first by `order_by`. Each staging model says which
    copy wins (the first that landed, or the latest export) through its order.

    Most keys arrive once, so only the keys seen more than once are ranked: a window
    over every row would partition the whole table with all its columns, where counting
    the keys and ranking the few copies is a fraction of that.
    A row whose key has a null part is kept as it is: it has no identity to merge on. -#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {%- set keys = partition_by.split(',') | map('trim') | list -%}
    {%- set copied -%}
        select 1 from _cdp_copied_keys as k
        where {% for key in keys %}{{ 'and ' if not loop.first }}k.{{ key }} = r.{{ key }} {% endfor %}
    {%- endset -%}
    with _cdp_copied_keys as (
        select {{ keys | join(', ') }}
        from {{ relation }}
        group by {{ keys | join(', ') }}
        having count(*) > 1
    )
    select r.*, 1 as _cdp_copy_rank
    from {{ relation }} as r
    where not exists ({{ copied }})
    union all
    select *
    from (
        select
            r.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _cdp_copy_rank
        from {{ relation }} as r
        where exists ({{ copied }})
    ) as ranked
    where _cdp_copy_rank = 1
{%- endmacro %}
