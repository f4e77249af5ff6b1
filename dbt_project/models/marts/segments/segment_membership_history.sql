-- Every stay of a profile in a segment: entered_at, and exited_at once it left. Each run
-- opens stays for new members and closes them for members who left; nothing else moves.
{{ config(materialized='incremental', full_refresh=false, unique_key=['segment', 'profile_id', 'entered_at']) }}

-- depends_on: {{ ref('stg_cdp__segment_definitions') }}
with

-- who is in each segment right now: declarative ones (cdp.yml) and SQL ones (models)
evaluated as (
    {{ segment_members(ref('stg_cdp__segment_definitions'), ref('profiles')) }}
    {{ sql_segment_members() }}
),

current_members as (
    select distinct segment, profile_id from evaluated
),

open_stays as (
    {% if is_incremental() %}
    select segment, profile_id, entered_at from {{ this }} where exited_at is null
    {% else %}
    select cast(null as {{ dbt.type_string() }}) as segment, cast(null as {{ dbt.type_string() }}) as profile_id,
        cast(null as {{ dbt.type_timestamp() }}) as entered_at
    where 1 = 0
    {% endif %}
),

entered as (
    select c.segment, c.profile_id, {{ run_timestamp() }} as entered_at, cast(null as {{ dbt.type_timestamp() }}) as exited_at
    from current_members as c
    left join open_stays as o on o.segment = c.segment and o.profile_id = c.profile_id
    where o.profile_id is null
),

exited as (
    select o.segment, o.profile_id, o.entered_at, {{ run_timestamp() }} as exited_at
    from open_stays as o
    left join current_members as c on c.segment = o.segment and c.profile_id = o.profile_id
    where c.profile_id is null
),

final as (
    select * from entered
    union all
    select * from exited
)

select * from final
