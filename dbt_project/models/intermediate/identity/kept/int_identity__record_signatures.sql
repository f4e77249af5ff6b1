-- One record of each signature (identifier_count and signature_sum, the identity_signature
-- macro) of two or more ok observations, named by its hash: a new record that holds
-- exactly that record's identifiers links nothing new (int_identity__changed_records).
-- Kept between builds: an incremental build adds the new records' new signatures.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ identity_replace_rows(['record_hash'], none) }}",
) }}

{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
signed as (
    select identifier_count, signature_sum, record_hash
    from {{ ref('int_identity__changed_records') }}
    where identifier_count > 1
),

final as (
    select s.identifier_count, s.signature_sum, min(s.record_hash) as record_hash
    from signed as s
    where not exists (
        select 1 from {{ this }} as k
        where k.identifier_count = s.identifier_count and k.signature_sum = s.signature_sum
    )
    group by s.identifier_count, s.signature_sum
)
{% else %}
-- depends_on: {{ ref('int_identity__changed_records') }}
-- by hash alone: records whose hashes collide add up to a signature no record holds,
-- which the comparison by value never confirms
signed as (
    select record_hash, {{ identity_signature() }}
    from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
    group by record_hash
),

final as (
    select identifier_count, signature_sum, min(record_hash) as record_hash
    from signed
    where identifier_count > 1
    group by identifier_count, signature_sum
)
{% endif %}

select * from final
