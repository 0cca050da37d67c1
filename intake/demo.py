"""A few hundred demo cases in several languages, sent through the real submission service.

Development only (yhteys.demo refuses production). Idempotent for free: every demo case has a
fixed idempotency key and a request drawn from a seeded generator, so a second run finds each
case already made and adds nothing. Each case is sent "at" its own moment in the past weeks
(the application clock is frozen there for it), so created times, routing and due times look
like a real month of work.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from intake import service
from intake.validation import validate
from yhteys.clock import HELSINKI, now
from yhteys.db import pk
from yhteys.settings import get_settings, set_settings

log = logging.getLogger(__name__)

COUNT = 320
DAYS_BACK = 42
SEED = 2026
YEAR_BASE = date(2026, 1, 1)  # dates in the requests are fixed, so reruns send the same requests

# (language, names) — nicknames and first names people actually give.
PEOPLE = [
    ("ar", ["Amal", "Abu Karim", "Nour", "Yousef", "Rasha", "Omar H."]),
    ("fa", ["Zahra", "Reza", "Maryam", "Ali", "Parisa"]),
    ("prs", ["Habib", "Fereshta", "Najib"]),
    ("so", ["Hodan", "Abdi", "Faadumo", "Liban", "Sahra"]),
    ("ti", ["Selam", "Yonas", "Helen", "Dawit"]),
    ("ru", ["Olga", "Dmitri", "Natalia"]),
    ("uk", ["Oksana", "Taras", "Iryna", "Mykola"]),
    ("ku", ["Dilan", "Rojin", "Azad"]),
    ("fr", ["Aminata", "Jean-Paul", "Fatou"]),
    ("en", ["Grace", "Samuel", "M.", "Joy"]),
    ("fi", ["Anonyymi", "Leena", "Mikko"]),
    ("sv", ["Sara", "Ahmed", "Elin"]),
]

# (language, text): a person writes in their own language when they can.
MESSAGES: dict[str, list[tuple[str, str]]] = {
    "family_reunification": [
        ("uk", "Я маю тимчасовий захист. Чи може мій чоловік приїхати до Фінляндії?"),
        (
            "en",
            "I got refugee status in spring. My wife and our three children are in Kampala. "
            "How do we apply and what does it cost?",
        ),
        (
            "fi",
            "Sain oleskeluluvan toissijaisen suojelun perusteella. Miten mieheni voi hakea "
            "perhesidettä? Hän on Turkissa.",
        ),
        (
            "sv",
            "Jag har uppehållstillstånd och min dotter är kvar i Eritrea. Hon fyller 18 snart. "
            "Hinner vi ansöka?",
        ),
        ("ar", "حصلت على الإقامة. زوجتي وأطفالي في الأردن. كيف يمكنهم التقديم وأين السفارة؟"),
        (
            "fa",
            "من اقامت دارم. همسر و دو فرزندم در ایران هستند. "
            "برای ملاقات در سفارت چه مدارکی لازم است؟",
        ),
        (
            "so",
            "Waxaan helay sharciga qaxootinimada. Xaaskayga iyo carruurtu waxay joogaan Nairobi. "
            "Sidee ayaan u codsanayaa?",
        ),
        ("ru", "Моя семья в Украине. У меня временная защита. Могут ли дети приехать ко мне?"),
        ("en", "Our application got a negative decision last week. Can you help us appeal?"),
    ],
    "tracing": [
        ("uk", "Шукаю брата, зв'язок зник у Херсоні восени 2022 року."),
        ("en", "I lost contact with my brother in Libya in 2016. He called once from Tripoli."),
        ("fi", "Etsin äitiäni. Jouduimme erillemme Kreikan saarella vuonna 2015."),
        ("sv", "Jag letar efter min kusin som försvann på vägen genom Sudan."),
        ("ar", "فقدت الاتصال بابني عند الحدود. كان عمره خمسة عشر عاماً."),
        ("fa", "پدرم را در سال ۲۰۱۸ در مرز ترکیه گم کردم. آخرین بار از وان زنگ زد."),
        ("so", "Walaalkay ayaan la waayay markii uu ka baxay Yemen. Fadlan i caawiya."),
        ("ti", "ኣብ ሊብያ ዝጠፍአ ሓወይ እደሊ ኣለኹ።"),
        ("ru", "Мой отец пропал в Мариуполе весной 2022 года. Последний звонок был в марте."),
    ],
    "social_services": [
        ("uk", "Мені потрібен лікар для дитини, і ми не знаємо, куди звернутися."),
        (
            "en",
            "My residence permit ended and I have to leave the reception centre. "
            "Where can I sleep?",
        ),
        ("fi", "Tarvitsen lääkäriä, mutta minulla ei ole Kela-korttia. Mihin voin mennä?"),
        ("sv", "Vi har inte pengar till mat denna vecka. Finns det matbank i Vanda?"),
        ("ar", "أحتاج إلى طبيب لطفلي، ليس لدي أوراق."),
        ("fa", "کار پیدا نمی‌کنم و اجاره خانه را نمی‌توانم بپردازم."),
        ("so", "Ma haysto meel aan seexdo caawa. Carruur ayaa ila jooga."),
        ("ru", "Мне нужна помощь с жильём, я с двумя детьми."),
        ("en", "I am afraid of my landlord, he threatens to call the police on me."),
    ],
    "other": [
        ("en", "Can I study Finnish if I have no residence permit?"),
        ("fi", "Voiko vastaanottokeskuksessa asuva tehdä vapaaehtoistyötä Punaisessa Ristissä?"),
        ("sv", "Hur får jag en tolk till mitt möte på socialbyrån?"),
        ("ar", "هل يمكنني فتح حساب بنكي بدون جواز سفر؟"),
        ("fr", "Je voudrais savoir comment faire reconnaître mon diplôme en Finlande."),
        ("en", "How do I get a copy of my asylum decision?"),
    ],
}

AREAS = ["Helsinki", "Espoo", "Vantaa", "Tampere", "Turku", "Oulu", "Lahti", "Kuopio", "Vaasa", ""]
COUNTRIES = [
    "Kenya",
    "Somalia",
    "Ethiopia",
    "Eritrea",
    "Turkey",
    "Iran",
    "Iraq",
    "Jordan",
    "Afghanistan",
    "Uganda",
    "Ukraine",
    "Syria",
]
PLACES = [
    "Tripoli, Libya",
    "Lesbos, Greece",
    "Kassala, Sudan",
    "Van, Turkey",
    "Mariupol",
    "Aden, Yemen",
    "Agadez, Niger",
    "Moria camp",
]
SOUGHT = [
    ("Karim Haddad", "كريم حداد"),
    ("Reza Ahmadi", "رضا احمدی"),
    ("Abdi Warsame", ""),
    ("Tesfay Gebre", "ተስፋይ ገብረ"),
    ("Oleksandr Koval", "Олександр Коваль"),
    ("Mariam Yusuf", ""),
    ("Hassan Ali", "حسن علي"),
]
KIND_WEIGHTS = [
    ("family_reunification", 35),
    ("tracing", 20),
    ("social_services", 30),
    ("other", 15),
]
FOLLOW_UPS = [
    "Thank you. I can talk on Tuesday after 12.",
    "Kiitos vastauksesta. Lähetän kuvan päätöksestä.",
    "شكراً لكم. متى يمكنني الاتصال؟",
    "Mahadsanid. Waan sugayaa.",
]


MEMBER_NAMES = ["Hodan Ali", "Sahra Ali", "Yusuf Ali", "Amina Ali", "Omar Ali"]


def _born(age: int) -> str:
    return YEAR_BASE.replace(year=YEAR_BASE.year - age, month=3, day=14).isoformat()


def _past(rng: random.Random, days: int, span: int) -> str:
    return (YEAR_BASE - timedelta(days=days + rng.randrange(span))).isoformat()


def _contact(rng: random.Random, n: int) -> dict[str, Any]:
    channel = rng.choices(["phone", "sms", "whatsapp", "email", "none"], [30, 15, 30, 15, 10])[0]
    phone = f"+35840{n:07d}"
    address = f"demo{n}@example.org" if channel == "email" else phone
    contact: dict[str, Any] = {
        "contact_channel": channel,
        "contact_address": "" if channel == "none" else address,
        "may_leave_message": rng.random() < 0.6,
    }
    if channel == "phone" and rng.random() < 0.5:
        start = rng.choice(["09:00", "10:00", "12:00", "14:00"])
        contact["contact_windows"] = [
            {"day": rng.choice(["weekdays", "mon", "tue", "thu"]), "start": start, "end": "16:00"}
        ]
    if channel in {"phone", "whatsapp"} and rng.random() < 0.25:
        contact.update(backup_channel="email", backup_address=f"demo{n}.b@example.org")
    return contact


def _details(kind: str, rng: random.Random) -> dict[str, Any]:
    if kind == "family_reunification":
        members = [
            {
                "name": MEMBER_NAMES[0],
                "relationship": "spouse",
                "birth_date": _born(rng.randrange(22, 50)),
                "country": rng.choice(COUNTRIES),
            }
        ]
        members += [
            {"name": MEMBER_NAMES[i + 1], "relationship": "child",
             "birth_date": _born(rng.randrange(1, 17)), "country": members[0]["country"]}
            for i in range(rng.randrange(0, 4))
        ]
        stage = rng.choice(
            [
                "not_applied",
                "applied",
                "identity_visit_booked",
                "identity_visit_done",
                "negative_decision",
            ]
        )
        return {
            "sponsor_status": rng.choice(
                [
                    "refugee_status",
                    "quota_refugee",
                    "subsidiary_protection",
                    "temporary_protection",
                    "other_permit",
                ]
            ),
            "decision_date": _past(rng, 30, 500),
            "sponsor_minor": rng.choice(["no", "no", "no", "yes"]),
            "family_before_finland": rng.choice(["yes", "yes", "no", "unknown"]),
            "members": members,
            "stage": stage,
            "applied_on": _past(rng, 10, 200) if stage != "not_applied" else None,
            "help_wanted": rng.sample(
                [
                    "how_to_apply",
                    "application",
                    "embassy_visit",
                    "costs",
                    "appeal",
                    "after_arrival",
                ],
                rng.randrange(1, 3),
            ),
        }
    if kind == "tracing":
        name, original = rng.choice(SOUGHT)
        return {
            "persons": [
                {
                    "name": name,
                    "name_original": original,
                    "sex": rng.choice(["male", "female"]),
                    "approximate_age": rng.randrange(8, 70),
                    "relationship": rng.choice(
                        ["sibling", "parent", "child", "spouse", "other_relative"]
                    ),
                    "nationality": rng.choice(COUNTRIES),
                    "last_place": rng.choice(PLACES),
                    "last_seen": str(rng.randrange(2012, 2025)),
                    "last_contact_channel": rng.choice(["phone", "messaging_app", "in_person"]),
                    "minor_when_separated": rng.choice(["no", "no", "yes", "unknown"]),
                }
            ],
            "separation": rng.choice(["conflict", "migration_route", "detention", "disaster"]),
            "other_organisation": rng.choice(["no", "unknown", "yes"]),
        }
    if kind == "social_services":
        children = rng.random() < 0.4
        return {
            "topics": rng.sample(
                ["housing", "health", "food", "income", "family", "work", "legal_status"],
                rng.randrange(1, 4),
            ),
            "municipality": rng.choice(AREAS[:-1]),
            "children_with_you": "yes" if children else "no",
            "children_count": rng.randrange(1, 4) if children else None,
            "no_place_tonight": rng.random() < 0.12,
            "health_emergency": rng.random() < 0.05,
            "in_danger": rng.random() < 0.05,
        }
    return {}


def _message(rng: random.Random, kind: str, language: str) -> str:
    own = [text for lang, text in MESSAGES[kind] if lang == language]
    fallback = [text for lang, text in MESSAGES[kind] if lang in {"en", "fi", "sv"}]
    return rng.choice(own or fallback)


def demo_request(n: int) -> dict[str, Any]:
    """The n-th demo request, the same on every run."""
    rng = random.Random(SEED * 100_000 + n)
    kind = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
    language, names = rng.choice(PEOPLE)
    needs_interpreter = language not in {"fi", "sv", "en"} and rng.random() < 0.7
    consents = {"process": True}
    if kind == "tracing":
        consents.update(search=True, share_contact=rng.random() < 0.7)
    return {
        "kind": kind,
        "language": language,
        "name": rng.choice(names),
        **_contact(rng, n),
        "area": "" if kind == "social_services" else rng.choice(AREAS),
        "interpreter_needed": needs_interpreter,
        "interpreter_language": language if needs_interpreter else "",
        "message": _message(rng, kind, language),
        "consents": consents,
        "details": _details(kind, rng),
    }


@contextmanager
def _clock_at(instant: datetime) -> Iterator[None]:
    """Run as if it were `instant` (the demo's past), then give the real clock back."""
    before = get_settings()
    set_settings(replace(before, frozen_now=instant))
    try:
        yield
    finally:
        set_settings(before)


def _moment(n: int, start: datetime) -> datetime:
    """Spread over the weeks, in office and evening hours, older cases first."""
    rng = random.Random(SEED + n)
    day = (start - timedelta(days=DAYS_BACK * (COUNT - n) / COUNT)).astimezone(HELSINKI)
    at = day.replace(hour=rng.choice([8, 9, 10, 11, 13, 15, 18, 21]), minute=rng.randrange(60))
    return min(at, start - timedelta(minutes=COUNT - n))


def seed_cases(count: int = COUNT) -> int:
    """Create the demo cases that do not exist yet; returns how many were created."""
    real_now = now()
    created = 0
    for n in range(1, count + 1):
        result = validate(demo_request(n), strict=True)
        if result.submission is None:  # a bug in the generator: say so, never crash `make run`
            log.warning("demo request %d is invalid: %s", n, sorted(result.errors.codes()))
            continue
        at = _moment(n, real_now)
        locale = "fi" if n % 3 else ("sv" if n % 2 else "en")
        with _clock_at(at):
            try:
                outcome = service.submit(
                    result.submission,
                    idempotency_key=f"demo-case-{n:06d}",
                    ui_locale=locale,
                    source="web" if n % 7 else "api",
                )
            except service.IdempotencyConflict:
                continue  # the generator changed since that case was made: keep the old one
        if outcome.replayed:
            continue
        created += 1
        if n % 5 == 0:
            with _clock_at(min(at + timedelta(hours=3 + n % 20), real_now)):
                service.add_client_message(pk(outcome.case), FOLLOW_UPS[n % len(FOLLOW_UPS)])
    log.info("demo cases: %d created, %d already there", created, count - created)
    return created
