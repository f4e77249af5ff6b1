-- One row per build of the identity graph, written before it changes any kept table.
-- When the latest start has no row in int_identity__resolutions, that build stopped
-- halfway: its kept tables may be half replaced, so the next build resolves everything.
{{ config(materialized='incremental', incremental_strategy='append') }}

-- depends_on: {{ ref('int_identity__identifiers_screened') }}

with

final as (
    select '{{ invocation_id }}' as invocation_id, {{ run_timestamp() }} as started_at
)

select * from final
