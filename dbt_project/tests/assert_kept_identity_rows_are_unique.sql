-- The kept identity tables replace the rows of what a build resolves again: an identifier
-- or a record left out of the rows taken out would show up twice. Only the region's rows
-- can: a full build makes one row per identifier and per record by its group by (and its
-- region tables are empty, so this costs nothing there).
select 'identifier' as kept, a.identifier_type || ':' || a.identifier_value as key_value, count(*) as copies
from {{ ref('int_identity__nodes_assigned') }} as a
inner join {{ ref('int_identity__region_identifiers') }} as r
    on r.identifier_type = a.identifier_type and r.identifier_value = a.identifier_value
group by a.identifier_type, a.identifier_value
having count(*) > 1
union all
select 'record', a.source || ':' || a.record_key, count(*)
from {{ ref('int_identity__records_resolved') }} as a
inner join (
    select distinct source, record_key from {{ ref('int_identity__region_observations') }}
) as r on r.source = a.source and r.record_key = a.record_key
group by a.source, a.record_key
having count(*) > 1
