{#-
    dbt's `unique` test on DuckDB, with a pass over 64-bit hashes first. Grouping every
    value of a large table to find none repeated is the dearest of the build's tests
    (cdp.events.message_id and cdp.sessions.session_id: 11M strings, 1.6-1.9 s each);
    grouping their hashes, then only the values whose hash repeats, returns the same rows
    (a repeated value repeats its hash) in about half the time. Other engines keep dbt's.
-#}
{% macro duckdb__test_unique(model, column_name) %}

with repeated_hashes as (
    select hash({{ column_name }}) as value_hash
    from {{ model }}
    where {{ column_name }} is not null
    group by 1
    having count(*) > 1
)

select
    {{ column_name }} as unique_field,
    count(*) as n_records

from {{ model }}
where {{ column_name }} is not null
    and hash({{ column_name }}) in (select value_hash from repeated_hashes)
group by {{ column_name }}
having count(*) > 1

{% endmacro %}
