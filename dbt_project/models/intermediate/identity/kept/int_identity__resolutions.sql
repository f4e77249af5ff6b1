-- One row per finished build of the identity graph: the landing time it resolved up to.
-- The next build resolves again what landed after it (int_identity__changed_identifiers).
{{ config(materialized='incremental', incremental_strategy='append') }}

-- depends_on: {{ ref('int_identity__records_resolved') }}
-- depends_on: {{ ref('int_identity__nodes_assigned') }}
-- depends_on: {{ ref('int_identity__shared_identifiers') }}
-- depends_on: {{ ref('int_identity__assignments') }}
-- depends_on: {{ ref('int_identity__record_signatures') }}

with

final as (
    select
        '{{ invocation_id }}' as invocation_id,
        max(last_loaded_at) as resolved_through,
        {{ identity_is_incremental() }} as was_incremental,
        {{ run_timestamp() }} as resolved_at
    from {{ ref('int_identity__identifiers_screened') }}
)

select * from final
