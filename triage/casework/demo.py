"""Demo routing rules, saved replies and worked cases for `make run` (development only).

Idempotent: rules and saved replies are added only to empty tables; cases are worked only while
no staff member has acted on any case yet.
"""

from __future__ import annotations

import logging
import random

from sqlalchemy import select
from sqlmodel import Session, col

from intake.models import Case
from triage.accounts.models import StaffUser, Team
from triage.casework import actions, assign, notices, sla
from triage.casework.models import CaseEvent, RoutingRule, SavedReply
from yhteys.clock import as_utc, now
from yhteys.db import pk, session_scope

log = logging.getLogger(__name__)

# (kind, language, area, team slug)
RULES = [
    ("", "", "", "social-services"),
    ("family_reunification", "", "", "family-reunification"),
    ("tracing", "", "", "tracing"),
    ("social_services", "", "", "social-services"),
    ("other", "", "", "undocumented-advice"),
]

FAMILY_REUNIFICATION = {
    "en": "Family reunification means that a family member living abroad applies for a "
          "residence permit to come to Finland because of family ties. The application is "
          "usually made online in Enter Finland, and the family member then visits a Finnish "
          "embassy to prove their identity. If the family member in Finland received "
          "international protection, there is no income requirement when the application is "
          "made within three months of that decision. We can help you with each step.",
    "fi": "Perheenyhdistäminen tarkoittaa, että ulkomailla asuva perheenjäsen hakee "
          "oleskelulupaa Suomeen perhesiteen perusteella. Hakemus tehdään yleensä verkossa Enter "
          "Finland -palvelussa, ja perheenjäsen käy sen jälkeen Suomen edustustossa todistamassa "
          "henkilöllisyytensä. Jos Suomessa asuva perheenjäsen on saanut kansainvälistä "
          "suojelua, toimeentuloedellytystä ei ole, kun hakemus jätetään kolmen kuukauden "
          "kuluessa päätöksestä. Autamme sinua jokaisessa vaiheessa.",
    "sv": "Familjeåterförening innebär att en familjemedlem som bor utomlands ansöker om "
          "uppehållstillstånd i Finland på grund av familjeband. Ansökan görs oftast på nätet i "
          "tjänsten Enter Finland, och familjemedlemmen besöker sedan en finländsk beskickning "
          "för att styrka sin identitet. Om familjemedlemmen i Finland har fått internationellt "
          "skydd finns inget försörjningskrav när ansökan lämnas in inom tre månader från "
          "beslutet. Vi hjälper dig i varje steg.",
    "ar": "لمّ شمل الأسرة يعني أن فرداً من العائلة يعيش في الخارج يقدّم طلباً للحصول على "
          "تصريح إقامة في فنلندا على أساس الرابطة العائلية. يُقدَّم الطلب عادةً عبر الإنترنت في "
          "خدمة Enter Finland، ثم يزور فرد العائلة سفارة فنلندية لإثبات هويته. إذا حصل فرد "
          "العائلة المقيم في فنلندا على الحماية الدولية، فلا يُشترط دخل كافٍ عند تقديم الطلب "
          "خلال ثلاثة أشهر من صدور القرار. نساعدك في كل خطوة.",
}
GLOBAL_CLINIC = {
    "en": "Global Clinic gives free health care to people who cannot use public health "
          "services, for example undocumented people. You do not need to give your name or "
          "show documents. Ask us where the nearest clinic is and when it is open.",
    "fi": "Global Clinic antaa maksutonta terveydenhoitoa ihmisille, jotka eivät pääse "
          "julkisiin terveyspalveluihin, esimerkiksi paperittomille. Sinun ei tarvitse kertoa "
          "nimeäsi eikä näyttää asiakirjoja. Kysy meiltä, missä lähin vastaanotto on ja milloin "
          "se on auki.",
    "sv": "Global Clinic ger gratis hälsovård åt personer som inte kan använda den offentliga "
          "hälsovården, till exempel papperslösa. Du behöver inte uppge ditt namn eller visa "
          "dokument. Fråga oss var närmaste mottagning finns och när den är öppen.",
    "ar": "تقدّم Global Clinic رعاية صحية مجانية للأشخاص الذين لا يستطيعون استخدام الخدمات "
          "الصحية العامة، مثل الأشخاص الذين لا يحملون وثائق. لا تحتاج إلى ذكر اسمك أو إظهار أي "
          "وثائق. اسألنا عن أقرب عيادة وأوقات عملها.",
}
WHAT_TO_BRING = {
    "en": "Please bring your passport or another identity document if you have one, decisions "
          "and letters from the authorities (Migri, Kela, the municipality), your residence "
          "permit card if you have one, and a list of your questions. If you have no documents, "
          "come anyway.",
    "fi": "Ota mukaan passi tai muu henkilöllisyystodistus, jos sinulla on, viranomaisten "
          "päätökset ja kirjeet (Migri, Kela, kunta), oleskelulupakortti, jos sinulla on, sekä "
          "lista kysymyksistäsi. Jos sinulla ei ole asiakirjoja, tule silti.",
    "sv": "Ta med pass eller annat identitetsbevis om du har ett, beslut och brev från "
          "myndigheterna (Migri, FPA, kommunen), ditt uppehållstillståndskort om du har ett och "
          "en lista över dina frågor. Om du inte har några dokument, kom ändå.",
}
TITLES = {
    "family": {"en": "How family reunification works", "fi": "Näin perheenyhdistäminen toimii",
               "sv": "Så fungerar familjeåterförening", "ar": "كيف يتم لمّ شمل الأسرة"},
    "clinic": {"en": "Health care: Global Clinic", "fi": "Terveydenhoito: Global Clinic",
               "sv": "Hälsovård: Global Clinic", "ar": "الرعاية الصحية: Global Clinic"},
    "bring": {"en": "What to bring to an appointment", "fi": "Mitä ottaa mukaan tapaamiseen",
              "sv": "Vad du ska ta med till mötet"},
}


def seed_rules(db: Session) -> int:
    if db.scalars(select(col(RoutingRule.id)).limit(1)).first() is not None:
        return 0
    teams = {t.slug: t for t in db.scalars(select(Team))}
    added = 0
    for kind, language, area, slug in RULES:
        if slug in teams:
            db.add(RoutingRule(kind=kind, language=language, area=area, team_id=pk(teams[slug])))
            added += 1
    return added


def seed_saved_replies(db: Session) -> int:
    if db.scalars(select(col(SavedReply.id)).limit(1)).first() is not None:
        return 0
    added = 0
    for key, texts in (("family", FAMILY_REUNIFICATION), ("clinic", GLOBAL_CLINIC),
                       ("bring", WHAT_TO_BRING)):
        for language, body in texts.items():
            db.add(SavedReply(language=language, topic=key, title=TITLES[key][language],
                              body=body))
            added += 1
    return added


def route_unrouted(db: Session) -> int:
    """Cases that arrived before the rules existed get routed now."""
    count = 0
    unrouted = select(Case).where(col(Case.team_id).is_(None), col(Case.state) == "new")
    for case in db.scalars(unrouted):
        assign.route(db, case)
        sla.apply_due_times(db, case, now())
        db.flush()
        if case.team_id is not None:
            notices.new_case(db, case, f"case:{case.id}:new")
        count += 1
    return count


REPLIES = {
    "fi": "Kiitos viestistäsi. Soitan sinulle huomenna toivomaasi aikaan.",
    "sv": "Tack för ditt meddelande. Jag ringer dig i morgon vid den tid du önskade.",
    "en": "Thank you for your message. I will call you tomorrow at the time you asked for.",
}


def _work(db: Session, case: Case, people: list[StaffUser], rng: random.Random) -> None:
    team_people = [p for p in people if case.team_id in p.team_ids]
    if not team_people:
        return
    advisor = rng.choice(team_people)
    if case.assignee_id is None:
        actions.claim(db, case, case.version, advisor)
    else:
        advisor = next((p for p in people if p.id == case.assignee_id), advisor)
    roll = rng.random()
    if roll < 0.35:
        return
    body = REPLIES.get(case.language, REPLIES["en"])
    actions.reply(db, case, case.version, advisor, body, wait_for_client=roll < 0.6)
    if roll > 0.8:
        actions.add_note(db, case, case.version, advisor, "Soitettu, sovittu tapaaminen.")
        actions.close(db, case, case.version, advisor,
                      rng.choice(["advised", "referred_elsewhere", "not_reachable"]))


def work_cases(db: Session, share: float = 0.4) -> int:
    """Claim, answer and close some cases, once: after staff have acted, leave the cases be."""
    acted = select(col(CaseEvent.id)).where(col(CaseEvent.actor_id).is_not(None)).limit(1)
    if db.scalars(acted).first():
        return 0
    cases = list(db.scalars(select(Case).where(col(Case.team_id).is_not(None),
                                               col(Case.state) != "closed").order_by(col(Case.id))))
    people = [p for p in db.scalars(select(StaffUser)) if p.has_role("advisor") and p.is_active]
    rng = random.Random(1234)
    worked = 0
    for case in cases:
        if rng.random() >= share or as_utc(case.created_at) > now():
            continue
        _work(db, case, people, rng)
        worked += 1
    return worked


def seed() -> None:
    with session_scope() as db:
        rules = seed_rules(db)
        replies = seed_saved_replies(db)
        db.flush()
        routed = route_unrouted(db)
        worked = work_cases(db)
    log.info("demo casework: %s rules, %s saved replies, %s cases routed, %s worked",
             rules, replies, routed, worked)
