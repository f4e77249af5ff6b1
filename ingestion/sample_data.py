"""Bundled sample data: a landing folder of every built-in format, with realistic dirt.

People browse anonymously on one or more devices, log in (identify), order online
and in store, appear in the CRM (sometimes twice), get emails and open tickets.
The dirt real exports have: spelling variants of one email or phone, junk values
typed by clerks, a kiosk browser and a household phone shared by several people,
re-sent events, a re-exported CRM file with updates, malformed lines.

Deterministic for a given seed and end date, so tests can assert exact numbers.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

FIRST = "Ava Ben Cara Dan Eve Finn Gia Hugo Iris Jack Kim Leo Mia Noah Owen Pia Quinn Rosa Sam Tara Uma Vic Wes Zoe".split()
LAST = "Smith Jones Brown Garcia Miller Davis Lopez Wilson Moore Taylor Clark Lewis Young King Scott Green Baker Hill".split()
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "acme.io"]
AREA_CODES = ["212", "312", "415", "617", "646", "702", "213", "206", "303", "404"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", ""]
TITLES = ["Engineer", "Manager", "Director", "Analyst", "Designer", "VP Sales", ""]
CITIES = [("New York", "NY", "10001"), ("Chicago", "IL", "60601"), ("San Francisco", "CA", "94105"), ("Boston", "MA", "02110")]
STAGES = ["subscriber", "lead", "opportunity", "customer"]
CAMPAIGNS = [("google", "cpc", "brand"), ("facebook", "paid_social", "spring_sale"), ("newsletter", "email", "weekly"), (None, None, None)]
JUNK_EMAILS = ["test@test.com", "none@none.com", "n/a", "noemail@noemail.com"]
JUNK_PHONES = ["0000000000", "1234567890", "555-5555"]


@dataclass
class Person:
    index: int
    first: str
    last: str
    email: str
    phone: str
    user_id: str | None
    devices: list[str]
    contact_ids: list[str] = field(default_factory=list)
    loyalty_id: str | None = None
    work_email: str | None = None


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"


def _phone_variant(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([digits, f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}"])


def _email_variant(rng: random.Random, email: str) -> str:
    return rng.choice([email, email.upper(), f"  {email} ", email.capitalize()])


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def make_people(rng: random.Random, count: int) -> list[Person]:
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@{rng.choice(DOMAINS)}"
        devices = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        user_id = f"u{100000 + i}" if rng.random() < 0.7 else None
        person = Person(i, first, last, email, _phone(rng), user_id, devices)
        if rng.random() < 0.15:  # a second address, at work
            person.work_email = f"{first[0].lower()}{last.lower()}{i}@{rng.choice(COMPANIES[:-1]).lower()}.com"
        people.append(person)
    return people


class _Writer:
    def __init__(self, root: Path):
        self.root = root

    def jsonl(self, relative: str, rows: list[dict], extra_lines: list[str] = ()) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r) for r in rows] + list(extra_lines)
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(data, mtime=0) if relative.endswith(".gz") else data)

    def csv(self, relative: str, header: list[str], rows: list[list], raw_lines: list[str] = ()) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
            for line in raw_lines:
                handle.write(line + "\r\n")


def write_truth(path: Path, people: list[Person], shared: set[tuple[str, str]]) -> None:
    """Ground truth for scoring identity resolution: each identifier value and its person.
    Values are written normalised (as the warehouse stores them); a value several people
    share (a household landline) belongs to no one and is left out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier_type", "identifier_value", "person_id"])
        for person in people:
            rows = [("anonymous_id", device) for device in person.devices]
            rows += [("email", person.email)] + ([("email", person.work_email)] if person.work_email else [])
            rows += [("user_id", person.user_id)] if person.user_id else []
            rows += [("phone", "+1" + person.phone)]
            rows += [("crm_contact_id", contact_id) for contact_id in person.contact_ids]
            rows += [("loyalty_id", person.loyalty_id)] if person.loyalty_id else []
            writer.writerows([(kind, value, f"p{person.index}") for kind, value in rows if (kind, value) not in shared])


def generate_landing(
    root: Path, people_count: int = 2000, seed: int = 7, end: datetime | None = None, truth: Path | None = None
) -> dict[str, int]:
    """Write the sample landing folder under `root`; returns how many rows each file kind got.
    With `truth`, also write the ground truth of who is who there (see write_truth)."""
    rng = random.Random(seed)
    end = (end or datetime(2026, 11, 1)).replace(microsecond=0)
    start = end - timedelta(days=365)
    people = make_people(rng, people_count)
    out = _Writer(root)
    events: list[dict] = []
    orders: list[dict] = []
    kiosk = "kiosk-browser-store-42"

    def moment() -> datetime:
        return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))

    def event(kind: str, person: Person, anonymous_id: str | None, when: datetime, **body) -> dict:
        row = {"messageId": str(uuid.UUID(int=rng.getrandbits(128))), "type": kind, "timestamp": _ts(when)}
        if anonymous_id:
            row["anonymousId"] = anonymous_id
        if person.user_id and kind != "page":
            row["userId"] = person.user_id
        row.update(body)
        return row

    for person in people:
        for device in person.devices:
            first_visit = moment()
            source, medium, name = rng.choice(CAMPAIGNS)
            context = {"page": {"path": "/", "url": "https://shop.example.org/"}}
            if source:
                context["campaign"] = {"source": source, "medium": medium, "name": name}
            events.append(event("page", person, device, first_visit, name="Home", context=context))
            for _ in range(rng.randint(0, 6)):
                path = rng.choice(["/products", "/pricing", "/blog", "/cart"])
                events.append(event("page", person, device, first_visit + timedelta(minutes=rng.randint(1, 600)),
                                    name=path.strip("/").title(), context={"page": {"path": path}}))
            if person.user_id:
                traits = {"email": _email_variant(rng, person.email), "firstName": person.first, "lastName": person.last}
                if rng.random() < 0.5:
                    traits["phone"] = _phone_variant(rng, person.phone)
                if person.index % 3 == 0:  # a shipping address from checkout (no draw from rng: worlds stay the same)
                    city, state, postal_code = CITIES[person.index % len(CITIES)]
                    traits["address"] = {"street": f"{person.index} Main St", "city": city, "state": state,
                                         "postalCode": postal_code, "country": "US"}
                events.append(event("identify", person, device, first_visit + timedelta(hours=11), traits=traits))
        if person.user_id:
            for _ in range(rng.randint(0, 5)):
                when = moment()
                order_id = f"o{len(orders) + 1:06d}"
                total = round(rng.uniform(5, 400), 2)
                status = rng.choice(["completed"] * 8 + ["refunded", "cancelled"])
                orders.append({"order_id": order_id, "email": _email_variant(rng, person.email), "user_id": person.user_id,
                               "total": total, "currency": "USD", "created_at": _ts(when), "status": status})
                events.append(event("track", person, None, when, event="Order Completed",
                                    properties={"order_id": order_id, "total": total}))

    users = [p for p in people if p.user_id]
    # A kiosk browser in a store: several people log in on it, so it must not glue them together.
    for person in users[:4]:
        events.append(event("identify", person, kiosk, moment(), traits={"email": person.email}))
    # A family tablet: a second person logs in on it with their own account.
    family_tablets = set()
    for owner, relative in zip(users[20::97], users[21::97]):
        family_tablets.add(("anonymous_id", owner.devices[0]))
        events.append(event("identify", relative, owner.devices[0], moment(), traits={"email": relative.email}))
    # Junk typed into a sign-up form by people who do not want to share their email.
    for person in users[10:16]:
        events.append(event("identify", person, person.devices[0], moment(), traits={"email": rng.choice(JUNK_EMAILS)}))
    # An anonymous visitor who never identifies, and an event with no identifier at all.
    events.append({"messageId": "m-anonymous-only", "type": "page", "anonymousId": "lurker-1", "timestamp": _ts(end)})
    events.append({"messageId": "m-no-ids", "type": "track", "event": "Ghost", "timestamp": _ts(end)})

    rng.shuffle(events)
    half = len(events) // 2
    # The second file re-sends 25 events of the first (same messageId): they must be stored once.
    out.jsonl("events/events_001.jsonl", events[:half], extra_lines=['{"type": "track", "event": "Broken", "userId": '])
    out.jsonl("events/events_002.jsonl.gz", events[half:] + events[:25])
    out.jsonl("shop/orders.jsonl", orders + orders[:3])

    contacts, updates = [], []
    households = {}
    for person in people:
        in_household = person.index % 500 in (1, 2, 3)  # three people in one home share a landline
        if in_household or rng.random() < 0.6:
            contact_id = f"c{len(contacts) + 1:05d}"
            person.contact_ids.append(contact_id)
            phone = _phone_variant(rng, person.phone)
            if in_household:
                phone = households.setdefault(person.index // 500, (phone, person.phone))[0]
            row = [contact_id, _email_variant(rng, person.email), phone, person.first, person.last,
                   rng.choice(COMPANIES), rng.choice(TITLES), rng.choice(STAGES[:3]), _ts(start + timedelta(days=rng.randint(0, 200)))]
            contacts.append(row)
            if rng.random() < 0.1 or person.work_email:  # a duplicate contact for the same person
                dup = f"c{len(contacts) + 1:05d}"
                person.contact_ids.append(dup)
                if person.work_email:  # entered by sales from a business card: work email and mobile
                    contacts.append([dup, person.work_email, _phone_variant(rng, person.phone), person.first, person.last,
                                     "", "", "lead", row[8]])
                else:
                    contacts.append([dup, person.email.upper(), "", person.first, person.last, "", "", "lead", row[8]])
            if rng.random() < 0.2:  # re-exported later with a new lifecycle stage
                updates.append(row[:7] + ["customer", _ts(end - timedelta(days=rng.randint(1, 60)))])
    for i, junk in enumerate(JUNK_PHONES + JUNK_EMAILS[:2]):
        contacts.append([f"cj{i}", junk if "@" in junk else "", junk if "@" not in junk else "", "Walk", "In", "", "", "lead", _ts(start)])
    header = ["contact_id", "email", "phone", "first_name", "last_name", "company", "job_title", "lifecycle_stage", "updated_at"]
    out.csv("crm/contacts.csv", header, contacts, raw_lines=["c99999,broken-row-with-too-few-fields"])
    out.csv("crm/contacts_update.csv", header, updates)

    members, transactions = [], []
    for person in people:
        if rng.random() < 0.3:
            person.loyalty_id = f"L{person.index:06d}"
            members.append([person.loyalty_id, _email_variant(rng, person.email) if rng.random() < 0.8 else "", _phone_variant(rng, person.phone)])
            for _ in range(rng.randint(1, 6)):
                transactions.append([f"t{len(transactions) + 1:07d}", f"s{rng.randint(1, 9)}", person.loyalty_id,
                                     f"{rng.uniform(3, 150):.2f}", _ts(moment())])
    out.csv("pos/loyalty_members.csv", ["loyalty_id", "email", "phone"], members)
    out.csv("pos/transactions.csv", ["transaction_id", "store_id", "loyalty_id", "amount", "ts"], transactions,
            raw_lines=["t9999999,s1,L000001,not-a-number,2026-01-01T00:00:00Z"])

    email_rows = []
    for person in people:
        if person.contact_ids and rng.random() < 0.8:
            for campaign in range(rng.randint(1, 4)):
                sent = moment()
                email_rows.append([person.email, f"cmp{campaign}", "sent", _ts(sent)])
                if rng.random() < 0.5:
                    email_rows.append([person.email, f"cmp{campaign}", "open", _ts(sent + timedelta(hours=2))])
                    if rng.random() < 0.3:
                        email_rows.append([person.email, f"cmp{campaign}", "click", _ts(sent + timedelta(hours=3))])
            if rng.random() < 0.05:
                email_rows.append([person.email, "cmp0", "unsubscribe", _ts(moment())])
    out.csv("email/events.csv", ["email", "campaign_id", "event", "ts"], email_rows)

    tickets = []
    for person in people:
        if rng.random() < 0.1:
            tickets.append([f"tk{len(tickets) + 1:05d}", _email_variant(rng, person.email), rng.choice(["Refund", "Delivery", "Login"]),
                            rng.choice(["open", "pending", "solved", "closed"]), _ts(moment())])
    out.csv("support/tickets.csv", ["ticket_id", "requester_email", "subject", "status", "created_at"], tickets)

    if truth is not None:
        write_truth(truth, people, family_tablets | {("phone", "+1" + digits) for _, digits in households.values()})
    return {"people": len(people), "events": len(events) + 25 + 1, "orders": len(orders) + 3, "contacts": len(contacts) + 1 + len(updates),
            "loyalty_members": len(members), "pos_transactions": len(transactions) + 1, "email_events": len(email_rows), "tickets": len(tickets)}
