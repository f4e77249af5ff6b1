-- A correction is applied once: a domain meant that is itself listed as a misspelling (or
-- is its own) would leave the email misspelt, or name two domains as one.
select t.typo_domain, t.domain
from {{ ref('email_domain_typos') }} as t
where t.domain = t.typo_domain
    or t.domain in (select typo_domain from {{ ref('email_domain_typos') }})
