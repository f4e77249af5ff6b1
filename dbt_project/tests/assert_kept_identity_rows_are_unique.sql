-- The kept identity tables replace the rows of what a build resolves again: an identifier
-- or a record that was left out of the replaced rows would show up here twice.
select 'identifier' as kept, identifier_type || ':' || identifier_value as key_value, count(*) as copies
from {{ ref('int_identity__nodes_assigned') }}
group by identifier_type, identifier_value
having count(*) > 1
union all
select 'record', source || ':' || record_key, count(*)
from {{ ref('int_identity__records_resolved') }}
group by source, record_key
having count(*) > 1
