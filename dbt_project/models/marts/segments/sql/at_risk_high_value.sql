-- Buyers worth winning back: RFM calls them at risk (they bought often, not lately).
select profile_id
from {{ ref('profiles') }}
where rfm_segment = 'at_risk' and lifetime_value >= 300
