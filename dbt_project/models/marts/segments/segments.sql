with

definitions as (
    select name, description, 'declarative' as kind from {{ ref('stg_cdp__segment_definitions') }}
    {{ sql_segment_definitions() }}
),

history as (
    select * from {{ ref('segment_membership_history') }}
),

movements as (
    select
        segment,
        cast(sum(case when exited_at is null then 1 else 0 end) as bigint) as size,
        cast(sum(case when entered_at = {{ run_timestamp() }} then 1 else 0 end) as bigint) as entered_this_run,
        cast(sum(case when exited_at = {{ run_timestamp() }} then 1 else 0 end) as bigint) as exited_this_run
    from history
    group by segment
),

final as (
    select
        d.name,
        d.description,
        d.kind,
        coalesce(m.size, 0) as size,
        coalesce(m.entered_this_run, 0) as entered_this_run,
        coalesce(m.exited_this_run, 0) as exited_this_run,
        {{ run_timestamp() }} as refreshed_at
    from definitions as d
    left join movements as m on m.segment = d.name
)

select * from final
