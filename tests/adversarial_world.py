"""An adversarial world for identity resolution, written apart from ingestion/sample_data.py.

Honest people (a user id, a personal email, a mobile, a laptop or two, some a CRM
contact, a loyalty card, orders and tickets) and, a few times each, the traps that glue
two real people in data we never see:
- a couple sharing one email, each with their own user id and phone; a family sharing
  a landline and a laptop, each with their own email;
- a shop clerk typing their own email and the store's phone into many loyalty sign-ups,
  or their email into two (within the loyalty_id limit);
  a call-centre agent's email on many customers' tickets;
- Segment client bugs: userId "undefined" / "null" / "0" / "" / true / -1 / {} and other
  junk (JUNK_USER_IDS), a phone typed as all one digit (JUNK_PHONES), one anonymousId on every
  visitor of a kiosk, an alias whose previousId is another person's browser, an identify
  with another person's email in traits (a gift);
- CRM duplicates of one person (must merge) and two people of one name (must not);
- email case, whitespace and plus-address variants; phones national, international and
  with an extension; a company switchboard on many CRM contacts;
- orders with one person's email and another's user id (a shared account).

`write_world` writes the landing folder and the truth (identifier_type,
identifier_value, person_id; values normalised as the warehouse holds them). A value
several people use belongs to no one and is left out of the truth; a clerk's or an
agent's own email is theirs.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from core.normalize import normalize

FIRST = ["james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
         "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "chris", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "sandra", "mark", "ashley",
         "priya", "wei", "olu", "sven", "mateo", "aiko", "fatima", "ivan", "chloe", "omar"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson",
        "nakamura", "okafor", "lindqvist", "kowalski", "haddad", "novak", "dubois", "rossi", "singh", "chen"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "proton.me", "fastmail.com", "icloud.com"]
NOW = datetime(2026, 11, 1)
# what Segment clients and CRMs send for an id they do not have; none may join anyone
JUNK_USER_IDS = ["undefined", "null", "0", "", "None", "[object Object]", "NaN", "guest",
                 True, False, -1, {}, [], " N/A ", "Unknown", " UNDEFINED ", '"null"', "-", "(null)"]
JUNK_PHONES = ["888-888-8888", "+44 7777 777777"]


class Person:
    def __init__(self, rng: random.Random, index: int):
        self.id = f"a{index}"
        self.first = rng.choice(FIRST)
        self.last = rng.choice(LAST)
        self.user_id = f"u-{index:05d}-{rng.randrange(16**6):06x}" if rng.random() < 0.8 else None
        sep = rng.choice([".", "_", "", "."])
        self.email = f"{self.first}{sep}{self.last}{rng.randrange(10, 9999)}@{rng.choice(DOMAINS)}"
        self.phone = f"{rng.randrange(201, 989)}{rng.randrange(200, 999)}{rng.randrange(1000, 9999)}"
        self.devices = [f"anon-{index}-{d}-{rng.randrange(16**8):08x}" for d in range(rng.randint(1, 2))]
        self.contact_ids: list[str] = []
        self.loyalty_id = f"L{index:06d}" if rng.random() < 0.35 else None
        # identifiers of this person only: (type, raw value); truth normalises them
        self.owned: set[tuple[str, str]] = set()

    @property
    def name(self) -> str:
        return f"{self.first.title()} {self.last.title()}"


def _email_variant(rng: random.Random, email: str) -> str:
    kind = rng.random()
    if kind < 0.3:
        return email.upper()
    if kind < 0.5:
        return f"  {email.title()} "
    return email


def _phone_variant(rng: random.Random, digits: str) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if kind == 1:
        return f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"
    if kind == 2:
        return f"1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if kind == 3:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]} ext. {rng.randrange(1, 999)}"
    return digits


def _ts(rng: random.Random) -> str:
    return (NOW - timedelta(minutes=rng.randrange(60 * 24 * 300))).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_world(root: Path, truth: Path, people_count: int = 1000, seed: int = 1) -> dict[str, int]:
    """Write the landing folder under `root` and the truth CSV; returns how many of each trap."""
    rng = random.Random(seed)
    people = [Person(rng, i) for i in range(people_count)]
    events: list[dict] = []
    contacts: list[list] = []
    loyalty: list[list] = []
    transactions: list[list] = []
    orders: list[dict] = []
    email_events: list[list] = []
    tickets: list[list] = []
    traps: dict[str, int] = {}
    counter = iter(range(10**9))

    def mid() -> str:
        return f"m{next(counter)}"

    def own(person: Person, kind: str, value: str) -> None:
        person.owned.add((kind, value))

    def event(kind: str, anonymous_id: str | None, user_id: str | None, **body) -> None:
        row: dict = {"messageId": mid(), "type": kind, "timestamp": _ts(rng)}
        if anonymous_id is not None:
            row["anonymousId"] = anonymous_id
        if user_id is not None:
            row["userId"] = user_id
        row.update(body)
        events.append(row)

    def contact(person: Person, email: str | None, phone: str | None, first: str | None = None,
                last: str | None = None, company: str = "") -> None:
        contact_id = f"C{next(counter)}"
        person.contact_ids.append(contact_id)
        own(person, "crm_contact_id", contact_id)
        contacts.append([contact_id, email or "", phone or "", first if first is not None else person.first.title(),
                         last if last is not None else person.last.title(), company, "", "customer", _ts(rng)])

    def card(person: Person, email: str | None, phone: str | None, named: bool = True) -> None:
        loyalty.append([person.loyalty_id, email or "", phone or "",
                        person.first.title() if named else "", person.last.title() if named else ""])
        own(person, "loyalty_id", person.loyalty_id)
        for _ in range(rng.randint(1, 3)):
            transactions.append([f"T{next(counter)}", f"S{rng.randrange(5)}", person.loyalty_id,
                                 round(rng.uniform(5, 200), 2), _ts(rng)])

    def honest(person: Person, *, email: str | None = None, phone: str | None = None,
               devices: list[str] | None = None, with_card: bool = True, own_email: bool = True,
               own_phone: bool = True) -> None:
        """The ordinary records of a person; `email`/`phone`/`devices` may be shared ones."""
        email = email or person.email
        phone = phone or person.phone
        devices = devices if devices is not None else person.devices
        if own_email:
            own(person, "email", email)
        if own_phone:
            own(person, "phone", phone)
        if devices is person.devices:
            for device in devices:
                own(person, "anonymous_id", device)
        if person.user_id:
            own(person, "user_id", person.user_id)
        for device in devices:
            for _ in range(rng.randint(1, 3)):
                event("page", device, None, name="Home")
            if person.user_id:
                traits = {"email": _email_variant(rng, email)}
                if rng.random() < 0.5:
                    traits["phone"] = _phone_variant(rng, phone)
                if rng.random() < 0.6:
                    traits["firstName"], traits["lastName"] = person.first.title(), person.last.title()
                event("identify", device, person.user_id, traits=traits)
                event("track", device, person.user_id, event="Product Viewed", properties={"sku": "x"})
            elif rng.random() < 0.5:
                event("identify", device, None, traits={"email": _email_variant(rng, email)})
        if rng.random() < 0.5:
            contact(person, _email_variant(rng, email), _phone_variant(rng, phone))
        if rng.random() < 0.6:
            orders.append({"order_id": f"O{next(counter)}", "email": _email_variant(rng, email),
                           "user_id": person.user_id, "total": round(rng.uniform(10, 300), 2),
                           "currency": "USD", "created_at": _ts(rng), "status": "paid"})
        if with_card and person.loyalty_id:
            card(person, _email_variant(rng, email) if rng.random() < 0.6 else None, _phone_variant(rng, phone),
                 named=rng.random() < 0.7)
        for _ in range(rng.randint(0, 3)):
            email_events.append([_email_variant(rng, email), f"c{rng.randrange(9)}", rng.choice(["sent", "open"]), _ts(rng)])
        if rng.random() < 0.2:
            tickets.append([f"K{next(counter)}", _email_variant(rng, email), "help", "open", _ts(rng)])

    pool = list(people)
    rng.shuffle(pool)

    def take(n: int) -> list[Person]:
        return [pool.pop() for _ in range(n)]

    shared: set[tuple[str, str]] = set()

    # a couple sharing one email, each with their own user id and phone
    for _ in range(6):
        a, b = take(2)
        a.user_id = a.user_id or f"u-couple-{a.id}"
        b.user_id = b.user_id or f"u-couple-{b.id}"
        b.last = a.last
        couple_email = f"the{a.last}s{rng.randrange(99)}@{rng.choice(DOMAINS)}"
        shared.add(("email", couple_email))
        honest(a, email=couple_email, own_email=False)
        honest(b, email=couple_email, own_email=False)
    traps["couple_email"] = 6

    # a family sharing a landline and a laptop, each with their own email
    for f in range(6):
        members = take(3)
        landline = f"{rng.randrange(201, 989)}555{rng.randrange(1000, 9999)}"
        laptop = f"family-laptop-{f}"
        shared |= {("phone", landline), ("anonymous_id", laptop)}
        for m in members:
            m.last = members[0].last
            honest(m, phone=landline, own_phone=False)
            # they all use the family laptop, logged in or by typing their email
            if m.user_id:
                event("identify", laptop, m.user_id, traits={"email": m.email})
            else:
                event("identify", laptop, None, traits={"email": m.email})
    traps["family_landline_laptop"] = 6

    # a shop clerk typing their own email and the store's phone into many sign-ups
    for s in range(3):
        (clerk,) = take(1)
        clerk.loyalty_id = None
        honest(clerk)
        store_phone = f"800555{s:04d}"
        shared.add(("phone", store_phone))
        for customer in take(8):
            customer.loyalty_id = customer.loyalty_id or f"L-clerk-{customer.id}"
            honest(customer, with_card=False)
            card(customer, clerk.email if rng.random() < 0.7 else None, store_phone if rng.random() < 0.7 else None)
    traps["clerk_signups"] = 3

    # a call-centre agent's email on many customers' tickets
    for _ in range(2):
        (agent,) = take(1)
        honest(agent)
        for customer in take(10):
            honest(customer)
            tickets.append([f"K{next(counter)}", agent.email, f"call from {customer.first}", "open", _ts(rng)])
    traps["agent_email_tickets"] = 2

    # Segment client bugs: junk user ids
    for junk in JUNK_USER_IDS[:8]:
        for n, person in enumerate(take(4)):
            # half of them have no user id of their own: nothing but the junk one to split them by
            person.user_id = person.user_id if n % 2 else None
            honest(person)
            event("identify", person.devices[0], junk, traits={"email": person.email})
            event("track", person.devices[0], junk, event="Signed Up")
    traps["junk_user_ids"] = 8

    # one anonymousId on every visitor of a kiosk, logged in or typing an email
    for k in range(2):
        kiosk = f"kiosk-{k}"
        shared.add(("anonymous_id", kiosk))
        for person in take(10):
            honest(person)
            event("identify", kiosk, person.user_id, traits={"email": person.email, "firstName": person.first.title(),
                                                            "lastName": person.last.title()})
    traps["kiosk_anonymous_id"] = 2

    # an alias whose previousId is another person's browser (a client bug)
    for _ in range(5):
        a, b = take(2)
        a.user_id = a.user_id or f"u-alias-{a.id}"
        honest(a)
        honest(b)
        event("alias", None, a.user_id, previousId=b.devices[0])
    traps["alias_to_other_browser"] = 5

    # identify with another person's email in traits (a gift, checking out for someone)
    for _ in range(6):
        a, b = take(2)
        a.user_id = a.user_id or f"u-gift-{a.id}"
        honest(a)
        honest(b)
        event("identify", a.devices[0], a.user_id, traits={"email": b.email})
    traps["gift_identify"] = 6

    # CRM duplicates of one person (must merge) ...
    for person in take(15):
        honest(person)
        contact(person, person.email.upper(), None)
        contact(person, None, _phone_variant(rng, person.phone))
    traps["crm_duplicates"] = 15
    # ... and two people of one name (must not)
    for _ in range(8):
        a, b = take(2)
        b.first, b.last = a.first, a.last
        honest(a)
        honest(b)
    traps["same_name_people"] = 8

    # plus-address variants (a distinct address of the same person)
    for person in take(10):
        honest(person)
        local, domain = person.email.split("@")
        plus = f"{local}+shop@{domain}"
        own(person, "email", plus)
        orders.append({"order_id": f"O{next(counter)}", "email": plus, "user_id": person.user_id,
                       "total": 20.0, "currency": "USD", "created_at": _ts(rng), "status": "paid"})
    traps["plus_address"] = 10

    # a company switchboard on many CRM contacts
    for c in range(3):
        switchboard = f"212555{c:04d}"
        shared.add(("phone", switchboard))
        for person in take(8):
            honest(person)
            contact(person, person.email, f"{switchboard[:3]}-{switchboard[3:6]}-{switchboard[6:]} x{rng.randrange(100, 999)}",
                    company=f"Acme {c}")
    traps["switchboard"] = 3

    # an order with one person's email and another's user id (a shared account)
    for _ in range(6):
        a, b = take(2)
        a.user_id = a.user_id or f"u-shared-{a.id}"
        honest(a)
        honest(b)
        orders.append({"order_id": f"O{next(counter)}", "email": b.email, "user_id": a.user_id,
                       "total": 50.0, "currency": "USD", "created_at": _ts(rng), "status": "paid"})
    traps["order_email_other_user"] = 6

    # More junk, drawn after every trap above so that their people and draws stay as they
    # were: a JSON true, false, -1, {} or [] sent as a user id, placeholders with spaces,
    # capitals, quotes or brackets ...
    for junk in JUNK_USER_IDS[8:]:
        for n, person in enumerate(take(4)):
            person.user_id = person.user_id if n % 2 else None
            honest(person)
            event("identify", person.devices[0], junk, traits={"email": person.email})
            event("track", person.devices[0], junk, event="Signed Up")
    traps["junk_user_ids"] = len(JUNK_USER_IDS)
    # ... and a phone a clerk types as one digit over and over, on two people's CRM
    # contacts (two: within the shared limit, so only the blocklist keeps it from linking)
    for junk_phone in JUNK_PHONES:
        for person in take(2):
            honest(person)
            contact(person, person.email, junk_phone)
    traps["junk_phones"] = len(JUNK_PHONES)

    # a clerk typing their own email into two customers' loyalty sign-ups: within the
    # loyalty_id limit, so only the two names on the cards tell it is not theirs
    for _ in range(2):
        (clerk,) = take(1)
        clerk.loyalty_id = None
        honest(clerk)
        for customer in take(2):
            customer.loyalty_id = customer.loyalty_id or f"L-clerk-{customer.id}"
            honest(customer, with_card=False)
            card(customer, clerk.email, None)
    traps["clerk_two_signups"] = 2

    for person in pool:
        honest(person)

    root.mkdir(parents=True, exist_ok=True)
    for folder in ["events", "crm", "shop", "pos", "email", "support"]:
        (root / folder).mkdir(exist_ok=True)
    with open(root / "events/adversarial.jsonl", "w") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in events)
    with open(root / "shop/orders.jsonl", "w") as handle:
        handle.writelines(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n" for row in orders)

    def write_csv(relative: str, header: list[str], rows: list[list]) -> None:
        with open(root / relative, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    write_csv("crm/contacts.csv", ["contact_id", "email", "phone", "first_name", "last_name", "company", "job_title",
                                   "lifecycle_stage", "updated_at"], contacts)
    write_csv("pos/loyalty_members.csv", ["loyalty_id", "email", "phone", "first_name", "last_name"], loyalty)
    write_csv("pos/transactions.csv", ["transaction_id", "store_id", "loyalty_id", "amount", "ts"], transactions)
    write_csv("email/events.csv", ["email", "campaign_id", "event", "ts"], email_events)
    write_csv("support/tickets.csv", ["ticket_id", "requester_email", "subject", "status", "created_at"], tickets)

    owners: dict[tuple[str, str], set[str]] = {}
    for person in people:
        for kind, raw in person.owned:
            value, _ = normalize(kind, raw, "US")
            if value:
                owners.setdefault((kind, value), set()).add(person.id)
    shared_normalised = {(kind, normalize(kind, raw, "US")[0]) for kind, raw in shared}
    truth.parent.mkdir(parents=True, exist_ok=True)
    with open(truth, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier_type", "identifier_value", "person_id"])
        for (kind, value), who in sorted(owners.items()):
            if len(who) == 1 and (kind, value) not in shared_normalised:
                writer.writerow([kind, value, next(iter(who))])
    return traps
