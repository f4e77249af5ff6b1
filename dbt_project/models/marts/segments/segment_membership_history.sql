-- Every stay of a profile in a segment: entered_at, and exited_at once it left. Each run
-- opens stays for new members and closes them for members who left; nothing else moves.
-- History is kept through a full refresh, so a stay closes only on evidence: its segment
-- was evaluated in this build and the member is not in it, or the segment is gone (no
-- longer among cdp.yml's landed definitions nor the SQL segments). A build that finds no
-- landed definitions leaves the stays of the segments it did not evaluate open.
{{ config(materialized='incremental', full_refresh=false, unique_key=['segment', 'profile_id', 'entered_at']) }}

-- depends_on: {{ ref('stg_cdp__segment_definitions') }}
-- depends_on: {{ ref('events') }}
-- depends_on: {{ ref('int_identity__records_resolved') }}
-- depends_on: {{ ref('profile_consent') }}
-- depends_on: {{ ref('account_memberships') }}
-- depends_on: {{ ref('account_segment_memberships') }}
with

-- who is in each segment right now: declarative ones (cdp.yml) and SQL ones (models)
evaluated as (
    {{ segment_members(ref('stg_cdp__segment_definitions'), ref('profiles'), ref('profile_computed_traits')) }}
    {{ sql_segment_members() }}
),

current_members as (
    select distinct segment, profile_id from evaluated
),

evaluated_segments as (
    select name as segment from {{ ref('stg_cdp__segment_definitions') }}
    {{ sql_segment_names() }}
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
        {%- if not segment_definitions_landed() %}
        and o.segment in (select segment from evaluated_segments)
        {%- endif %}
),

final as (
    select * from entered
    union all
    select * from exited
)

select * from final
