-- Who is in each segment right now: declarative ones (cdp.yml) and SQL ones (models).
-- depends_on: {{ ref('stg_cdp__segment_definitions') }}
with

members as (
    {{ segment_members(ref('stg_cdp__segment_definitions'), ref('profiles')) }}
    {{ sql_segment_members() }}
),

final as (
    select distinct segment, profile_id from members
)

select * from final
