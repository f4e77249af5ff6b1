-- Who is in each declarative segment right now.
-- depends_on: {{ ref('stg_cdp__segment_definitions') }}
with

members as (
    {{ segment_members(ref('stg_cdp__segment_definitions'), ref('profiles')) }}
),

final as (
    select distinct segment, profile_id from members
)

select * from final
