{#- dbt-spark's dateadd goes through unix seconds (sub-second parts are lost) and wraps
    every use in assert_true; Spark's own timestampadd is exact, as DuckDB's interval
    arithmetic is. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
