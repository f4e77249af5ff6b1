-- The latest statement wins: a profile never holds two states for one purpose.
select profile_id, purpose, count(*) as states
from {{ ref('profile_consent') }}
group by profile_id, purpose
having count(*) > 1
