with

identifiers as (
    select * from {{ ref('profile_identifiers') }}
),

traits as (
    select * from {{ ref('profile_traits') }}
),

orders as (
    select * from {{ ref('orders') }}
    where profile_id is not null
),

pos_transactions as (
    select * from {{ ref('pos_transactions') }}
    where profile_id is not null
),

events as (
    select * from {{ ref('events') }}
    where profile_id is not null
),

email_events as (
    select * from {{ ref('email_events') }}
    where profile_id is not null
),

tickets as (
    select * from {{ ref('support_tickets') }}
    where profile_id is not null
),

sessions as (
    select profile_id, count(*) as session_count from {{ ref('sessions') }} group by profile_id
),

rfm as (
    select * from {{ ref('int_profiles__rfm') }}
),

merges as (
    select profile_id, count(distinct old_profile_id) as merge_count
    from {{ ref('profile_merges') }}
    where kind = 'merge'
    group by profile_id
),

caps as (
    select * from {{ ref('stg_cdp__identity_caps') }}
),

-- the best value of each identifier type: the one seen most recently
identifier_picks as (
    select
        profile_id,
        max(case when identifier_type = 'user_id' then identifier_value end) as user_id,
        max(case when identifier_type = 'email' then identifier_value end) as email,
        max(case when identifier_type = 'phone' then identifier_value end) as phone
    from (
        select
            *,
            row_number() over (
                partition by profile_id, identifier_type order by last_seen_at desc, identifier_value
            ) as recency_rank
        from identifiers
    ) as ranked
    where recency_rank = 1
    group by profile_id
),

identity_summary as (
    select
        profile_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as identifier_count
    from identifiers
    group by profile_id
),

trait_picks as (
    select
        profile_id,
        max(case when trait = 'first_name' then value end) as first_name,
        max(case when trait = 'last_name' then value end) as last_name,
        max(case when trait = 'company' then value end) as company,
        max(case when trait = 'job_title' then value end) as job_title,
        max(case when trait = 'lifecycle_stage' then value end) as lifecycle_stage,
        max(case when trait = 'address_street' then value end) as address_street,
        max(case when trait = 'address_city' then value end) as address_city,
        max(case when trait = 'address_state' then value end) as address_state,
        max(case when trait = 'address_postal_code' then value end) as address_postal_code,
        max(case when trait = 'address_country' then value end) as address_country
    from traits
    group by profile_id
),

order_totals as (
    select
        profile_id,
        count(*) as order_count,
        sum(case when is_revenue then total else 0 end) as online_revenue,
        sum(case when is_revenue then 1 else 0 end) as revenue_order_count,
        max(created_at) as last_order_at
    from orders
    group by profile_id
),

pos_totals as (
    select
        profile_id,
        count(*) as pos_transaction_count,
        sum(amount) as pos_revenue,
        max(transacted_at) as last_pos_transaction_at
    from pos_transactions
    group by profile_id
),

-- the channels in the same pass over the events: read by two aggregates, DuckDB would
-- copy the events whole first
web_activity as (
    select
        profile_id,
        count(*) as event_count,
        cast(sum(case when event_type = 'page' then 1 else 0 end) as bigint) as page_views,
        max(event_at) as last_event_at,
        max(case when event_type = 'page' and page_path = '/cart' then event_at end) as last_cart_view_at,
        {{ min_by('channel', ['event_at', 'message_id']) }} filter (where channel is not null) as first_touch_channel,
        -- last non-direct touch, as analytics tools attribute it (a tie in time goes to the larger message_id)
        {{ max_by('channel', ["case when channel = 'direct' then 0 else 1 end", 'event_at', 'message_id']) }}
            filter (where channel is not null) as last_touch_channel
    from events
    group by profile_id
),

email_activity as (
    select
        profile_id,
        cast(sum(case when event_type = 'sent' then 1 else 0 end) as bigint) as emails_sent,
        cast(sum(case when event_type = 'open' then 1 else 0 end) as bigint) as emails_opened,
        cast(sum(case when event_type = 'click' then 1 else 0 end) as bigint) as emails_clicked,
        max(case when event_type = 'unsubscribe' then 1 else 0 end) = 1 as email_unsubscribed
    from email_events
    group by profile_id
),

support_activity as (
    select
        profile_id,
        count(*) as support_tickets,
        cast(sum(case when is_open then 1 else 0 end) as bigint) as open_support_tickets
    from tickets
    group by profile_id
),

final as (
    select
        s.profile_id,
        -- identity
        i.user_id,
        i.email,
        i.phone,
        t.first_name,
        t.last_name,
        t.company,
        t.job_title,
        t.lifecycle_stage,
        t.address_street,
        t.address_city,
        t.address_state,
        t.address_postal_code,
        t.address_country,
        s.identifier_count,
        coalesce(mg.merge_count, 0) as merge_count,
        -- Segment-style hard caps: a flagged profile is left for review, not trusted blindly
        coalesce(
            s.identifier_count > cp.max_identifiers_per_profile or coalesce(mg.merge_count, 0) >= cp.max_merges_per_profile,
            false
        ) as identity_cap_reached,
        s.first_seen_at,
        s.last_seen_at,
        -- commerce
        coalesce(o.order_count, 0) as order_count,
        coalesce(o.online_revenue, 0) as online_revenue,
        coalesce(p.pos_transaction_count, 0) as pos_transaction_count,
        coalesce(p.pos_revenue, 0) as pos_revenue,
        coalesce(o.online_revenue, 0) + coalesce(p.pos_revenue, 0) as lifetime_value,
        o.online_revenue / nullif(o.revenue_order_count, 0) as average_order_value,
        o.last_order_at,
        p.last_pos_transaction_at,
        r.last_purchase_at,
        r.recency_score as rfm_recency,
        r.frequency_score as rfm_frequency,
        r.monetary_score as rfm_monetary,
        r.rfm_segment,
        -- web
        coalesce(w.event_count, 0) as event_count,
        coalesce(w.page_views, 0) as page_views,
        coalesce(se.session_count, 0) as session_count,
        w.last_event_at,
        w.last_cart_view_at,
        w.first_touch_channel,
        w.last_touch_channel,
        -- email and consent
        coalesce(e.emails_sent, 0) as emails_sent,
        coalesce(e.emails_opened, 0) as emails_opened,
        coalesce(e.emails_clicked, 0) as emails_clicked,
        coalesce(e.email_unsubscribed, false) as email_unsubscribed,
        i.email is not null and not coalesce(e.email_unsubscribed, false) as email_consent,
        -- support
        coalesce(st.support_tickets, 0) as support_tickets,
        coalesce(st.open_support_tickets, 0) as open_support_tickets
    from identity_summary as s
    left join identifier_picks as i on i.profile_id = s.profile_id
    left join trait_picks as t on t.profile_id = s.profile_id
    left join order_totals as o on o.profile_id = s.profile_id
    left join pos_totals as p on p.profile_id = s.profile_id
    left join web_activity as w on w.profile_id = s.profile_id
    left join email_activity as e on e.profile_id = s.profile_id
    left join support_activity as st on st.profile_id = s.profile_id
    left join sessions as se on se.profile_id = s.profile_id
    left join rfm as r on r.profile_id = s.profile_id
    left join merges as mg on mg.profile_id = s.profile_id
    left join caps as cp on 1 = 1
)

select * from final
