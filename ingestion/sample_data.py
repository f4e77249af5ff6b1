"""Bundled sample data: a landing folder of every built-in format, with realistic dirt.

People browse anonymously on one or more devices, log in (identify), order online
and in store, appear in the CRM (sometimes twice), get emails and open tickets.
The dirt real exports have: spelling variants of one email or phone, typos in names
and email domains, junk values typed by clerks, re-sent events, a re-exported CRM
file with updates, malformed lines. And the traps a resolver must not fall into:
- households whose members share a landline, on some of their records only (a CRM
  contact with a name, a loyalty card with a name, an initial, a placeholder or none, a
  phone number given at checkout), some with first names a letter apart (Dean and Dan);
- family computers that one member logs in on and the others use by email alone
  (a newsletter form, a guest checkout), a store kiosk many people log in on, sign-up
  tablets in stores, and tablets a relative logs in on with their own account;
- numbers recycled from one person to another, and people who share a name;
- beside them, what must still be one person: two emails used on one laptop, a
  second email in the CRM, a loyalty card with only a phone on it.

Times are offsets back from `now` (the run's clock: the start of today, UTC, unless
given), so time-windowed segments ("in the last 30 days") have members on any day.
Deterministic for a given seed and `now`, so tests can assert exact numbers.
With `truth=`, writes who is who (see write_truth).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.normalize import correct_email_domain

FIRST = """Ava Ben Cara Dan Eve Finn Gia Hugo Iris Jack Kim Leo Mia Noah Owen Pia Quinn Rosa Sam Tara Uma Vic Wes Zoe
Adam Alice Amir Anna Ari Beth Carl Chen Cleo Dara Eli Emma Ezra Faye Gus Hana Ian Ida Ivy Jade Jon Joy Kai Kate Lars
Lena Liam Lily Luca Maya Max Nia Nils Nora Olga Omar Paul Priya Raj Ray Rina Ruth Sara Seth Sofia Tess Theo Toby
Vera Wade Yara Yuki Zack Zara Abel Bea Cody Dina Eric Gwen Hank Ines Joel Lara Mona Ned Otto Rhea Tom""".split()
LAST = """Smith Jones Brown Garcia Miller Davis Lopez Wilson Moore Taylor Clark Lewis Young King Scott Green Baker Hill
Adams Allen Bailey Bell Brooks Campbell Carter Chen Collins Cook Cooper Cruz Diaz Edwards Evans Fisher Flores Foster
Gomez Gray Hall Harris Hughes Jackson James Kelly Kim Lee Long Martin Mendez Morgan Murphy Myers Nelson Nguyen Ortiz
Park Patel Perez Phillips Price Reed Reyes Rivera Roberts Rogers Ross Ruiz Sanchez Sanders Silva Stewart Sullivan
Tanaka Torres Turner Walker Ward Watson White Wood Wright Yang Zhang Novak Berg Costa Dubois Fischer Ito Kowalski""".split()
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "acme.io"]
TYPO_DOMAINS = {"gmail.com": "gmial.com", "yahoo.com": "yaho.com", "outlook.com": "outlok.com", "icloud.com": "icloud.co"}
AREA_CODES = ["212", "312", "415", "617", "646", "702", "213", "206", "303", "404"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", ""]
TITLES = ["Engineer", "Manager", "Director", "Analyst", "Designer", "VP Sales", ""]
CITIES = [("New York", "NY", "10001"), ("Chicago", "IL", "60601"), ("San Francisco", "CA", "94105"), ("Boston", "MA", "02110")]
STAGES = ["subscriber", "lead", "opportunity", "customer"]
CAMPAIGNS = [("google", "cpc", "brand"), ("facebook", "paid_social", "spring_sale"), ("newsletter", "email", "weekly"), (None, None, None)]
JUNK_EMAILS = ["test@test.com", "none@none.com", "n/a", "noemail@noemail.com"]
JUNK_PHONES = ["0000000000", "1234567890", "555-5555"]
HEADER = ["contact_id", "email", "phone", "first_name", "last_name", "company", "job_title", "lifecycle_stage", "updated_at"]
LOYALTY_HEADER = ["loyalty_id", "email", "phone", "first_name", "last_name"]
# Housemates whose first names are a letter apart: a slip a clerk could make, but two people.
CLOSE_FIRST_NAMES = [("Joan", "John"), ("Carol", "Carl"), ("Dean", "Dan"), ("Jon", "John"), ("Mark", "Marc")]
# What a till clerk types when the customer gives no name, or the form has a title field.
NAME_PLACEHOLDERS = ["CUSTOMER", "Customer", "NA", "N/A", "Unknown", "TEST", "Guest", "Mr", "MRS", "Dr"]


@dataclass
class Household:
    """People living together: a landline some of their records carry, and perhaps a
    family computer, the first device of its first member, that the others use too."""

    landline: str
    members: list[Person] = field(default_factory=list)
    family_computer: str | None = None


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
    typo_email: str | None = None
    household: Household | None = None
    # a number this person had before, now another's (its CRM contact still carries it)
    old_phone: str | None = None

    def record_phone(self, rng: random.Random, landline_share: float) -> str:
        """The number a record of this person carries: the household's landline or the mobile."""
        if self.household and rng.random() < landline_share:
            return self.household.landline
        return self.phone


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"


def _phone_variant(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([digits, f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}"])


def _email_variant(rng: random.Random, email: str) -> str:
    return rng.choice([email, email.upper(), f"  {email} ", email.capitalize()])


def _name_variant(rng: random.Random, name: str) -> str:
    """How a clerk types a name: mostly as it is, sometimes upper-cased or padded."""
    return rng.choice([name] * 8 + [name.upper(), f" {name} "])


def _typo(rng: random.Random, name: str) -> str:
    """A one-letter slip: a letter dropped or doubled."""
    at = rng.randrange(1, len(name))
    return name[:at] + name[at + 1:] if rng.random() < 0.5 else name[:at] + name[at] + name[at:]


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _email(first: str, last: str, index: int, domain: str) -> str:
    return f"{first.lower()}.{last.lower()}{index}@{domain}"


def make_people(rng: random.Random, count: int) -> list[Person]:
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = _email(first, last, i, rng.choice(DOMAINS))
        devices = [_new_id(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        user_id = f"u{100000 + i}" if rng.random() < 0.7 else None
        person = Person(i, first, last, email, _phone(rng), user_id, devices)
        if rng.random() < 0.15:  # a second address, at work
            person.work_email = f"{first[0].lower()}{last.lower()}{i}@{rng.choice(COMPANIES[:-1]).lower()}.com"
        people.append(person)
    return people


def make_households(rng: random.Random, people: list[Person]) -> list[Household]:
    """About one person in six lives with others (two to four people). Most share a last
    name, never a first name; a third of the homes have a computer everyone uses."""
    households, i = [], 0
    while i < len(people) - 4:
        if rng.random() >= 0.06:
            i += 1
            continue
        size = rng.choice([2, 2, 2, 3, 3, 4])
        home = Household(landline=_phone(rng))
        for person in people[i:i + size]:
            if home.members and rng.random() < 0.7:
                person.last = home.members[0].last
            while person.first in {m.first for m in home.members}:
                person.first = rng.choice(FIRST)
            person.email = _email(person.first, person.last, person.index, person.email.split("@")[1])
            person.household = home
            home.members.append(person)
        if rng.random() < 0.35:
            home.family_computer = home.members[0].devices[0]
        households.append(home)
        i += size
    return households


def close_first_names(rng: random.Random, households: list[Household]) -> None:
    """In one home in four, two housemates' first names are a letter apart (Joan and
    John, Dean and Dan): a name that agrees but for that letter must not join them."""
    for home in households:
        if rng.random() >= 0.25:
            continue
        names = rng.choice(CLOSE_FIRST_NAMES)
        for person, first in zip(home.members, names):
            person.first = first
            person.email = _email(first, person.last, person.index, person.email.split("@")[1])
        for person in home.members[2:]:  # never a first name twice in a home
            while person.first in names:
                person.first = rng.choice(FIRST)
                person.email = _email(person.first, person.last, person.index, person.email.split("@")[1])


def _card_name(rng: random.Random, person: Person) -> list[str]:
    """The name on a loyalty card as a till clerk typed it: most cards carry one, mostly
    as it is (now and then upper-cased or padded with spaces), some with an initial for a
    word or a placeholder ('CUSTOMER', 'Mr') that names no one."""
    draw = rng.random()
    if draw < 0.2:
        return ["", ""]
    if draw < 0.25:
        return [person.first[0] + rng.choice(["", "."]), _name_variant(rng, person.last)]
    if draw < 0.27:
        return [_name_variant(rng, person.first), person.last[0]]
    if draw < 0.30:
        return [rng.choice(NAME_PLACEHOLDERS), rng.choice([person.last, "", rng.choice(NAME_PLACEHOLDERS)])]
    first, last = _name_variant(rng, person.first), _name_variant(rng, person.last)
    return [first, last] if rng.random() < 0.9 else [f"  {first.upper()}", f"{last.upper()}  "]


def recycle_numbers(rng: random.Random, people: list[Person]) -> set[str]:
    """One person in a hundred has a mobile number another person had before: that
    person's old CRM contact still carries it. Returns the recycled numbers."""
    recycled = set()
    for person in people:
        if rng.random() < 0.01:
            before = rng.choice(people)
            if before is person or before.old_phone or person.phone in recycled:
                continue
            before.old_phone = person.phone
            recycled.add(person.phone)
    return recycled


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
    use (a household landline, a family computer, a recycled number) belongs to no one
    and is left out."""
    owned = []
    for person in people:
        rows = [("anonymous_id", device) for device in person.devices]
        # a misspelt domain is held as the email meant (seeds/email_domain_typos.csv)
        emails = {correct_email_domain(email) for email in (person.email, person.work_email, person.typo_email) if email}
        rows += [("email", email) for email in sorted(emails)]
        rows += [("user_id", person.user_id)] if person.user_id else []
        rows += [("phone", "+1" + person.phone)]
        rows += [("crm_contact_id", contact_id) for contact_id in person.contact_ids]
        rows += [("loyalty_id", person.loyalty_id)] if person.loyalty_id else []
        owned += [(kind, value, f"p{person.index}") for kind, value in rows]
    # two people can draw the same random number: theirs too
    owners: dict[tuple[str, str], set[str]] = {}
    for kind, value, person_id in owned:
        owners.setdefault((kind, value), set()).add(person_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identifier_type", "identifier_value", "person_id"])
        writer.writerows(row for row in owned if row[:2] not in shared and len(owners[row[:2]]) == 1)


def start_of_today() -> datetime:
    """The run's clock for sample data: today's midnight (UTC, naive as the files write it),
    so every call on one day writes the same files."""
    return datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)


def generate_landing(
    root: Path, people_count: int = 2000, seed: int = 7, now: datetime | None = None, truth: Path | None = None
) -> dict[str, int]:
    """Write the sample landing folder under `root`, a year of activity before `now`
    (default: start_of_today()); returns how many rows each file kind got.
    With `truth`, also write the ground truth of who is who there (see write_truth)."""
    rng = random.Random(seed)
    # the year ends a day before now: a visit's later pages and its login follow its
    # first page by up to 11 hours, and nothing may happen after the run's clock
    end = (now or start_of_today()).replace(microsecond=0) - timedelta(days=1)
    start = end - timedelta(days=365)
    people = make_people(rng, people_count)
    households = make_households(rng, people)
    # draws of their own: every other draw of the world is as it was
    close_first_names(random.Random(f"{seed}-close-names"), households)
    card_names = random.Random(f"{seed}-card-names")
    recycled = recycle_numbers(rng, people)
    out = _Writer(root)
    events: list[dict] = []
    orders: list[dict] = []
    kiosk = "kiosk-browser-store-42"
    order_visits: list[tuple[Person, datetime]] = []

    def moment() -> datetime:
        return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))

    def event(kind: str, person: Person | None, anonymous_id: str | None, when: datetime, **body) -> dict:
        row = {"messageId": _new_id(rng), "type": kind, "timestamp": _ts(when)}
        if anonymous_id:
            row["anonymousId"] = anonymous_id
        if person and person.user_id and kind != "page":
            row["userId"] = person.user_id
        row.update(body)
        return row

    def name_traits(person: Person) -> dict:
        return {"firstName": person.first, "lastName": person.last}

    def email_only_visit(person: Person, device: str, email: str, when: datetime) -> None:
        """Someone not logged in types an email on a device: a newsletter form (the email
        alone) or a guest checkout (with a name)."""
        traits = {"email": _email_variant(rng, email)}
        if rng.random() < 0.4:
            traits.update(name_traits(person))
        events.append(event("page", None, device, when, name="Newsletter", context={"page": {"path": "/newsletter"}}))
        events.append(event("identify", None, device, when + timedelta(minutes=2), traits=traits))

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
                traits = {"email": _email_variant(rng, person.email)}
                if rng.random() < 0.8:  # not every form asks for a name
                    traits.update(name_traits(person))
                if rng.random() < 0.5:
                    traits["phone"] = _phone_variant(rng, person.record_phone(rng, 0.3))
                if person.index % 3 == 0:  # a shipping address from checkout (no draw from rng: worlds stay the same)
                    city, state, postal_code = CITIES[person.index % len(CITIES)]
                    traits["address"] = {"street": f"{person.index} Main St", "city": city, "state": state,
                                         "postalCode": postal_code, "country": "US"}
                events.append(event("identify", person, device, first_visit + timedelta(hours=11), traits=traits))
            elif rng.random() < 0.5:  # no account: a newsletter form or a guest checkout
                email_only_visit(person, device, person.email, first_visit + timedelta(hours=1))
        # two emails on one laptop: the work address typed into a form, logged in (the
        # user id goes with it) or not
        if person.work_email and rng.random() < 0.3:
            when = moment()
            if person.user_id and rng.random() < 0.5:
                events.append(event("identify", person, person.devices[0], when, traits={"email": person.work_email}))
            else:
                email_only_visit(person, person.devices[0], person.work_email, when)
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
                order_visits.append((person, when))

    shared_values = {("phone", "+1" + home.landline) for home in households}
    shared_values |= {("phone", "+1" + number) for number in recycled}
    # A family computer: its first member logs in on it; the others visit by email alone
    # (or, now and then, log in with their own account).
    for home in households:
        if not home.family_computer:
            continue
        shared_values.add(("anonymous_id", home.family_computer))
        for member in home.members[1:]:
            if rng.random() < 0.2:
                continue
            if member.user_id and rng.random() < 0.25:
                events.append(event("identify", member, home.family_computer, moment(),
                                    traits={"email": member.email, **name_traits(member)}))
            else:
                email_only_visit(member, home.family_computer, member.email, moment())
    users = [p for p in people if p.user_id]
    # A kiosk browser in a store: several people log in on it, so it must not glue them together.
    shared_values.add(("anonymous_id", kiosk))
    for person in users[:4]:
        events.append(event("identify", person, kiosk, moment(), traits={"email": person.email}))
    # Sign-up tablets in stores: a few visitors each leave their email.
    for number in range(max(1, len(people) // 1500)):
        tablet = f"signup-tablet-{number}"
        shared_values.add(("anonymous_id", tablet))
        for person in rng.sample(people, rng.choice([2, 2, 3, 5])):
            email_only_visit(person, tablet, person.email, moment())
    # A family tablet: a second person logs in on it with their own account.
    for owner, relative in zip(users[20::97], users[21::97]):
        shared_values.add(("anonymous_id", owner.devices[0]))
        events.append(event("identify", relative, owner.devices[0], moment(), traits={"email": relative.email}))
    # Junk typed into a sign-up form by people who do not want to share their email.
    for person in users[10:16]:
        events.append(event("identify", person, person.devices[0], moment(), traits={"email": rng.choice(JUNK_EMAILS)}))
    # An anonymous visitor who never identifies, and an event with no identifier at all.
    events.append({"messageId": "m-anonymous-only", "type": "page", "anonymousId": "lurker-1", "timestamp": _ts(end)})
    events.append({"messageId": "m-no-ids", "type": "track", "event": "Ghost", "timestamp": _ts(end)})

    rng.shuffle(events)
    half = len(events) // 2
    first_file = events[:half] + _order_visits(random.Random(f"{seed}-order-visits"), order_visits)
    # The second file re-sends 25 events of the first (same messageId): they must be stored once.
    out.jsonl("events/events_001.jsonl", first_file, extra_lines=['{"type": "track", "event": "Broken", "userId": '])
    out.jsonl("events/events_002.jsonl.gz", events[half:] + events[:25])
    out.jsonl("shop/orders.jsonl", orders + orders[:3])

    contacts, updates = _crm_contacts(rng, people, start, end)
    contacts, updates = _with_email_opt_in(random.Random(f"{seed}-opt-in"), contacts, updates)
    out.csv("crm/contacts.csv", [*HEADER, "email_opt_in"], contacts, raw_lines=["c99999,broken-row-with-too-few-fields"])
    out.csv("crm/contacts_update.csv", [*HEADER, "email_opt_in"], updates)

    members, transactions = [], []
    for person in people:
        if rng.random() < 0.3:
            person.loyalty_id = f"L{person.index:06d}"
            email = _email_variant(rng, person.email) if rng.random() < 0.8 else ""  # many sign up with a phone alone
            members.append([person.loyalty_id, email, _phone_variant(rng, person.record_phone(rng, 0.5)),
                            *_card_name(card_names, person)])
            for _ in range(rng.randint(1, 6)):
                transactions.append([f"t{len(transactions) + 1:07d}", f"s{rng.randint(1, 9)}", person.loyalty_id,
                                     f"{rng.uniform(3, 150):.2f}", _ts(moment())])
    out.csv("pos/loyalty_members.csv", LOYALTY_HEADER, members)
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
        family_tablets = {("anonymous_id", owner.devices[0]) for owner in users[20::97]}
        write_truth(truth, people, shared_values | family_tablets)
    return {"people": len(people), "events": len(first_file) + len(events) - half + 25 + 1, "orders": len(orders) + 3, "contacts": len(contacts) + 1 + len(updates),
            "loyalty_members": len(members), "pos_transactions": len(transactions) + 1, "email_events": len(email_rows), "tickets": len(tickets)}


def _with_email_opt_in(rng: random.Random, contacts: list[list], updates: list[list]) -> tuple[list[list], list[list]]:
    """The CRM's marketing opt-in field: most contacts opted in, some out, some never asked
    (empty); a re-export repeats the value, and one in ten re-exported contacts changed it.
    A generator of its own, so adding the field left the rest of the world as it was."""
    stated = {row[0]: rng.choice(["yes"] * 6 + ["no"] * 2 + [""]) for row in contacts}
    changed = {"yes": "no", "no": "yes", "": "yes"}
    updated = [[*row, changed[stated[row[0]]] if rng.random() < 0.1 else stated[row[0]]] for row in updates]
    return [[*row, stated[row[0]]] for row in contacts], updated


def _order_visits(rng: random.Random, orders: list[tuple[Person, datetime]]) -> list[dict]:
    """The visit each web order was placed in: page views on one of the buyer's devices in
    the minutes before it, most through a campaign; one order in six has none (placed from
    a bookmark long after the last visit). A generator of its own, so adding these left
    the rest of the world as it was."""
    rows = []
    for person, ordered_at in orders:
        if rng.random() < 1 / 6:
            continue
        device = rng.choice(person.devices)
        source, medium, name = rng.choice(CAMPAIGNS)
        context = {"page": {"path": "/products", "url": "https://shop.example.org/products"}}
        if source:
            context["campaign"] = {"source": source, "medium": medium, "name": name}
        when = ordered_at - timedelta(minutes=rng.randint(3, 25))
        rows.append({"messageId": _new_id(rng), "type": "page", "anonymousId": device, "timestamp": _ts(when),
                     "name": "Products", "context": context})
        for path in ("/cart", "/checkout")[:rng.randint(1, 2)]:
            when += timedelta(minutes=rng.randint(1, 2))
            rows.append({"messageId": _new_id(rng), "type": "page", "anonymousId": device, "timestamp": _ts(when),
                         "name": path.strip("/").title(), "context": {"page": {"path": path}}})
    return rows


def _crm_contacts(rng: random.Random, people: list[Person], start: datetime, end: datetime) -> tuple[list[list], list[list]]:
    """CRM contacts and a later re-export of some with updates. Every household member
    is in the CRM, most with the landline; some contacts are duplicates (a second one
    typed by sales, with the work email and the mobile), a few have a typo in the name
    or the email's domain, and a person whose number was recycled still has the old one."""
    contacts, updates = [], []

    def contact(person: Person, email: str, phone: str, first: str, last: str, *rest) -> list:
        contact_id = f"c{len(contacts) + 1:05d}"
        person.contact_ids.append(contact_id)
        row = [contact_id, email, phone, _name_variant(rng, first), _name_variant(rng, last), *rest]
        contacts.append(row)
        return row

    for person in people:
        if not person.household and rng.random() >= 0.6:
            continue
        first, last = person.first, person.last
        if rng.random() < 0.03:
            first, last = (_typo(rng, first), last) if rng.random() < 0.5 else (first, _typo(rng, last))
        email = person.email
        domain = email.split("@")[1]
        if domain in TYPO_DOMAINS and rng.random() < 0.03:
            email = person.typo_email = email.replace("@" + domain, "@" + TYPO_DOMAINS[domain])
        phone = person.old_phone or person.record_phone(rng, 0.6)
        row = contact(person, _email_variant(rng, email), _phone_variant(rng, phone), first, last, rng.choice(COMPANIES),
                      rng.choice(TITLES), rng.choice(STAGES[:3]), _ts(start + timedelta(days=rng.randint(0, 200))))
        if rng.random() < 0.1 or person.work_email:  # a duplicate contact for the same person
            if person.work_email:  # entered by sales from a business card: work email and mobile
                contact(person, person.work_email, _phone_variant(rng, person.phone), person.first, person.last,
                        "", "", "lead", row[8])
            else:
                contact(person, person.email.upper(), "", person.first, person.last, "", "", "lead", row[8])
        if rng.random() < 0.2:  # re-exported later with a new lifecycle stage
            updates.append(row[:7] + ["customer", _ts(end - timedelta(days=rng.randint(1, 60)))])
    for i, junk in enumerate(JUNK_PHONES + JUNK_EMAILS[:2]):
        contacts.append([f"cj{i}", junk if "@" in junk else "", junk if "@" not in junk else "", "Walk", "In", "", "", "lead", _ts(start)])
    return contacts, updates
