"""Fictional demo data: structures, accounts, themes and questions in every status."""
import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update

from helpdesk.slugs import slugify
from helpdesk.attachments.services import save_upload
from helpdesk.auth.services import create_user
from helpdesk.extensions import db
from helpdesk.i18n import PARIS, format_date
from helpdesk.kb.content import load_starter_content
from helpdesk.mail.ingest import ingest
from helpdesk.mail.reply_address import reply_address
from helpdesk.models import Article, ArticleRead, OutboxEmail, SearchLog, Structure, SuggestionClick, Theme, Ticket, User
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.flash import services as flash_services
from helpdesk.kb import review
from helpdesk.tickets import services
from helpdesk.triage import canned, filing, routing, satisfaction, sla, tagging
from helpdesk.triage.deadlines import french_holidays
from helpdesk.webinars import services as webinar_services
from helpdesk.webinars.services import WebinarValues

DEMO_PASSWORD = "demo-helpdesk-2026"

THEMES = [
    "Activité partielle", "Réforme IAE / PASS IAE", "CDDI et CDI inclusion", "Contrat de professionnalisation",
    "Aide à domicile", "CSE et dialogue social", "Santé-sécurité / DUER", "Marchés publics",
    "Formation", "Gouvernance associative", "Autre question",
]

# name, type, region, active
STRUCTURES = [
    ("Association Tremplin Vallée", "AI", "auvergne-rhone-alpes", True),
    ("Chantier Les Jardins du Quai", "ACI", "bretagne", True),
    ("Recyclerie Horizon Solidaire", "EI", "hauts-de-france", True),
    ("Intérim Passerelle Emploi", "ETTI", "ile-de-france", True),
    ("Services Domicile Entraide", "OSP", "occitanie", True),
    ("Groupe Solidaire des Deux Rives", "GES", "nouvelle-aquitaine", True),
    ("Atelier Vélo Insertion Caraïbes", "ACI", "guadeloupe", True),
    ("Entreprise à but d'emploi Territoire Zéro", "EBE", "grand-est", False),
]

# email, name, role, structure index
ACCOUNTS = [
    ("admin@demo.local", "Camille Administratrice", "admin", None),
    ("juriste@demo.local", "Léa Juriste", "jurist", None),
    ("juriste2@demo.local", "Hugo Juriste", "jurist", None),
    ("membre@demo.local", "Claire Membre", "member", 0),
    ("membre2@demo.local", "Malik Membre", "member", 0),
    ("autre@demo.local", "Inès Autre", "member", 1),
    ("directeur.recyclerie@demo.local", "Yann Directeur", "member", 2),
    ("rh.interim@demo.local", "Sofia Ressources", "member", 3),
    ("coordination.domicile@demo.local", "Paul Coordinateur", "member", 4),
    ("direction.ges@demo.local", "Nadia Direction", "member", 5),
    ("encadrant.velo@demo.local", "Joël Encadrant", "member", 6),
    ("ebe@demo.local", "Rose Territoire", "member", 7),
]

# theme index, subjects (a structure asks each at most once), body, answer, the structure types it concerns (None: all)
QUESTIONS = [
    (0, ("Activité partielle et salariés en CDDI", "Fermeture de l'atelier après un sinistre : activité partielle",
         "Indemnité d'activité partielle pour des contrats de 26 heures"),
     "Notre chantier doit fermer trois semaines suite à un sinistre dans l'atelier. Pouvons-nous placer nos salariés "
     "en CDDI en activité partielle, et comment calculer l'indemnité pour des contrats de 26 heures par semaine ?",
     "Oui : les salariés en CDDI peuvent être placés en activité partielle comme les autres salariés. L'indemnité est "
     "calculée sur la base de la rémunération horaire brute et des heures chômées dans la limite de la durée "
     "contractuelle. Pensez à consulter le CSE s'il existe et à déposer la demande sur le portail dédié.", None),
    (0, ("Reprise d'activité après une période d'activité partielle",
         "Fin de l'activité partielle : formalités de reprise",
         "Heures d'activité partielle déclarées en avance"),
     "Nous avons bénéficié de l'activité partielle pendant deux mois. Devons-nous informer l'administration de la "
     "reprise totale de l'activité, et que faire des heures déjà déclarées en avance ?",
     "La demande d'indemnisation se fait mois par mois sur les heures réellement chômées : déclarez uniquement ces "
     "heures. Aucune formalité spécifique de fin n'est requise, mais conservez les plannings justifiant la reprise.",
     None),
    (1, ("PASS IAE expiré pendant un contrat", "Prolongation d'un PASS IAE avant son échéance",
         "PASS IAE arrivant à échéance en cours de CDDI"),
     "Le PASS IAE d'une salariée arrive à échéance dans deux semaines alors que son CDDI court encore trois mois. "
     "Pouvons-nous prolonger le PASS et sur quels motifs ?",
     "La prolongation est possible sur demande motivée, notamment pour achever une formation ou en cas de difficultés "
     "particulières. Faites la demande avant l'échéance, via la plateforme de l'inclusion, en joignant les justificatifs.",
     None),
    (1, ("Règle des 480 heures en association intermédiaire", "Mise à disposition au-delà de 480 heures chez un client",
         "Dérogations à la limite des 480 heures depuis la loi « Inclusion »"),
     "Nous sommes une AI et une entreprise cliente souhaite garder un salarié mis à disposition au-delà de 480 heures. "
     "La règle s'applique-t-elle encore depuis la loi du 14 décembre 2020 ?",
     "La limite de 480 heures de mise à disposition auprès d'une même entreprise reste la règle de principe ; la loi "
     "« Inclusion » a ouvert des dérogations encadrées. Vérifiez la situation exacte du salarié et de l'entreprise "
     "utilisatrice avant de dépasser le seuil.", ("AI",)),
    (1, ("Contrat passerelle vers une entreprise classique", "Convention de contrat passerelle : qui reste employeur ?",
         "Fin de parcours : embauche d'un salarié par une entreprise partenaire"),
     "Une entreprise partenaire veut embaucher l'un de nos salariés en fin de parcours via le contrat passerelle. "
     "Quelles sont les conditions et qui reste l'employeur ?",
     "Dans le contrat passerelle, la structure reste employeur et met le salarié à disposition de l'entreprise pour "
     "une durée limitée, afin de sécuriser la transition. Une convention précise les conditions ; nous pouvons la relire.",
     None),
    (2, ("Renouvellement d'un CDDI au-delà de 24 mois", "Dérogation à la durée maximale du CDDI pour une formation",
         "Avenant de prolongation d'un CDDI de 22 mois"),
     "Un salarié en CDDI depuis 22 mois souhaite terminer sa formation qualifiante. Pouvons-nous renouveler son "
     "contrat au-delà de 24 mois et sur quel fondement ?",
     "La durée totale du CDDI est en principe de 24 mois, mais des dérogations existent, notamment pour achever une "
     "action de formation. Formalisez la demande et l'avenant avant l'échéance du contrat en cours.", None),
    (2, ("CDI inclusion pour un salarié de plus de 57 ans", "Éligibilité au CDI inclusion d'un salarié de 58 ans",
         "Aide au poste maintenue en CDI inclusion ?"),
     "Nous aimerions proposer un CDI inclusion à un salarié de 58 ans. Quelles sont les conditions d'éligibilité "
     "et l'aide au poste est-elle maintenue ?",
     "Le CDI inclusion concerne les salariés de 57 ans et plus en parcours IAE, sous conditions de durée de parcours. "
     "L'aide au poste est maintenue. Vérifiez l'éligibilité du salarié sur la plateforme avant de signer le contrat.",
     None),
    (2, ("Cumul d'un CDDI avec un CDI à temps partiel", "Salariée en CDDI embauchée en CDI ailleurs : cumul possible ?",
         "Durées maximales de travail avec deux employeurs"),
     "Une salariée en CDDI de 20 heures vient de signer un CDI de 10 heures dans une autre entreprise. Peut-elle "
     "cumuler les deux contrats ?",
     "Le cumul est possible dans le respect des durées maximales de travail et des temps de repos. Demandez à la "
     "salariée ses horaires dans l'autre emploi pour vérifier les plafonds.", None),
    (3, ("Contrat de professionnalisation inclusion : quel public ?",
         "Contrat de professionnalisation après la sortie d'un parcours IAE",
         "Éligibilité au contrat de professionnalisation « inclusion »"),
     "Pouvons-nous conclure un contrat de professionnalisation « inclusion » avec une personne sortie d'un parcours "
     "IAE depuis six mois ?",
     "Le contrat de professionnalisation expérimental vise notamment les personnes éloignées de l'emploi et les "
     "salariés en parcours d'insertion. Vérifiez l'éligibilité et la prise en charge auprès de votre OPCO.", None),
    (3, ("Prise en charge par l'OPCO d'un contrat de professionnalisation",
         "Démarrer la formation avant l'accord de l'OPCO",
         "Réponse tardive de l'OPCO sur un contrat de professionnalisation"),
     "Notre OPCO met beaucoup de temps à répondre pour la prise en charge d'un contrat de professionnalisation signé "
     "le mois dernier. Pouvons-nous commencer la formation ?",
     "Le contrat doit être déposé dans les cinq jours suivant son début ; l'OPCO dispose ensuite d'un délai pour se "
     "prononcer. Vous pouvez démarrer, mais le financement n'est garanti qu'après l'accord de prise en charge.", None),
    (4, ("Temps de trajet entre deux interventions à domicile",
         "Déplacements entre deux bénéficiaires : temps de travail ?",
         "Rémunération des trajets des intervenantes à domicile"),
     "Dans notre service d'aide à domicile, les temps de trajet entre deux bénéficiaires doivent-ils être payés "
     "comme du temps de travail effectif selon la convention collective ?",
     "Oui : la convention collective de la branche de l'aide à domicile assimile les temps de déplacement entre deux "
     "interventions à du temps de travail effectif, rémunéré comme tel.", ("AI", "OSP")),
    (4, ("Indemnités kilométriques des intervenantes", "Barème kilométrique de la convention de l'aide à domicile",
         "Véhicule personnel des intervenantes : quel remboursement ?"),
     "Quel barème appliquer pour les indemnités kilométriques de nos intervenantes qui utilisent leur véhicule "
     "personnel ?",
     "La convention collective fixe un montant par kilomètre, revalorisé par avenant. Appliquez le montant en vigueur "
     "et vérifiez le dernier avenant étendu.", ("AI", "OSP")),
    (5, ("Mise en place du CSE à 11 salariés", "Salariés en insertion et seuil d'effectif du CSE",
         "Élections du CSE après le passage à 11 salariés"),
     "Nous venons de dépasser 11 salariés, dont huit en CDDI. Les salariés en insertion comptent-ils dans l'effectif "
     "pour la mise en place du CSE ?",
     "Les salariés en parcours d'insertion sont exclus du calcul de l'effectif pour certaines obligations : vérifiez "
     "le décompte exact. Si le seuil est atteint pendant 12 mois consécutifs, organisez les élections.", None),
    (5, ("Commission insertion au sein du CSE", "Expérimentation de la commission insertion : comment participer ?",
         "Accord collectif pour créer une commission insertion"),
     "Nous avons entendu parler d'une expérimentation de « commission insertion » au sein du CSE. Comment y "
     "participer ?",
     "L'expérimentation permet de créer une commission chargée des questions d'insertion au sein du CSE. Un accord "
     "collectif en fixe les modalités ; nous pouvons vous transmettre un modèle.", None),
    (6, ("Mise à jour du DUER après un accident", "Accident avec une débroussailleuse : le DUER à revoir",
         "Délai de mise à jour du document unique après un accident"),
     "Un salarié s'est blessé avec une débroussailleuse. Devons-nous mettre à jour le DUER et dans quel délai ?",
     "Oui : le document unique doit être mis à jour lors de toute information supplémentaire sur un risque, notamment "
     "après un accident. Faites-le sans attendre et associez le CSE s'il existe.", None),
    (6, ("Protocole sanitaire et équipements de protection", "Masques et protocole sanitaire sur les chantiers",
         "Risques sanitaires : protocole ou DUER ?"),
     "Devons-nous encore tenir un protocole sanitaire et fournir des masques à nos salariés en chantier ?",
     "Les règles ont évolué : l'employeur évalue les risques et les intègre au DUER. Fournissez les équipements "
     "adaptés aux risques identifiés.", None),
    (7, ("Clause sociale dans un marché public de nettoyage", "Marché réservé aux SIAE : justifier notre éligibilité",
         "Candidature à un marché réservé d'une collectivité"),
     "Une collectivité nous propose de répondre à un marché réservé aux structures d'insertion. Comment justifier "
     "notre éligibilité ?",
     "Les marchés réservés sont ouverts aux structures d'insertion par l'activité économique. Joignez votre "
     "conventionnement et décrivez les heures d'insertion proposées.", None),
    (7, ("Heures d'insertion dans un marché de travaux", "Sous-traitance ou mise à disposition pour un marché de BTP",
         "Réaliser les heures d'insertion d'un groupement de BTP"),
     "Un groupement de BTP nous sollicite pour réaliser les heures d'insertion d'un marché. Quelle forme de contrat "
     "privilégier ?",
     "Vous pouvez intervenir en sous-traitance ou par mise à disposition selon votre statut. La mise à disposition par "
     "une AI ou une ETTI est fréquente ; vérifiez les clauses du marché.", None),
    (8, ("Plan de développement des compétences et CDDI", "Financer la formation des salariés en CDDI",
         "Formations des salariés en insertion : quel financement ?"),
     "Les formations suivies par les salariés en CDDI peuvent-elles être financées par le plan de développement des "
     "compétences ?",
     "Oui, les salariés en CDDI bénéficient du plan de développement des compétences. Des financements spécifiques "
     "existent aussi auprès de l'OPCO.", None),
    (9, ("Renouvellement du conseil d'administration", "Assemblée générale à distance et renouvellement par tiers",
         "Vote à distance pour l'élection des administrateurs"),
     "Nos statuts prévoient un renouvellement par tiers du conseil d'administration. Pouvons-nous organiser "
     "l'assemblée générale à distance ?",
     "Si les statuts ne l'interdisent pas, une assemblée à distance est possible ; prévoyez un vote sécurisé et "
     "vérifiez les règles de quorum.", None),
    (9, ("Rémunération d'un dirigeant associatif", "Rémunérer le président sans perdre la gestion désintéressée",
         "Seuils de rémunération des dirigeants d'association"),
     "Notre président peut-il être rémunéré sans remettre en cause le caractère désintéressé de la gestion ?",
     "Une rémunération est possible dans des limites précises liées aux ressources de l'association. Vérifiez "
     "les seuils et formalisez la décision.", None),
    (10, ("Visite médicale d'embauche des salariés en insertion",
          "Visite d'information et de prévention d'un salarié en CDDI",
          "Suivi médical à l'embauche sur un poste à risque"),
     "Quelle visite médicale organiser à l'embauche d'un salarié en CDDI ?",
     "Une visite d'information et de prévention est organisée après l'embauche ; un suivi renforcé s'applique pour "
     "certains postes à risque.", None),
    (1, ("Période de mise en situation en milieu professionnel pendant un CDDI",
         "PMSMP dans un EHPAD : qui signe la convention ?", "Durée d'une PMSMP et maintien du salaire"),
     "Une salariée en CDDI souhaite découvrir le métier d'aide-soignante par une période de mise en situation en "
     "milieu professionnel dans un EHPAD. Qui signe la convention, combien de temps peut-elle durer et "
     "son contrat est-il suspendu ?",
     "La PMSMP est prescrite et fait l'objet d'une convention entre la salariée, votre structure et l'établissement "
     "d'accueil. Elle dure un mois au plus, renouvelable une fois si son objectif n'est pas atteint. Le CDDI n'est pas "
     "suspendu : la salariée reste rémunérée par votre structure, qui reste son employeur.",
     ("AI", "ACI", "EI", "ETTI")),
    (1, ("Aide au poste pendant l'arrêt maladie d'un salarié", "Postes de l'annexe financière non pourvus",
         "Sous-consommation de l'aide au poste en fin d'année"),
     "Un de nos salariés en insertion est en arrêt maladie depuis deux mois. L'aide au poste continue-t-elle d'être "
     "versée pour son poste, et que se passe-t-il si nous n'occupons pas tous les postes prévus à l'annexe "
     "financière ?",
     "L'aide au poste suit les heures rémunérées par la structure : les semaines d'arrêt non rémunérées ne l'ouvrent "
     "pas. Les postes de l'annexe financière sont comptés en équivalents temps plein ; une sous-consommation est "
     "examinée au dialogue de gestion et peut conduire à une régularisation.", ("AI", "ACI", "EI", "ETTI")),
    (1, ("Contrat de mise à disposition chez un particulier", "Mentions du contrat de mise à disposition",
         "Annulation tardive d'une mise à disposition par un client"),
     "Nous mettons un salarié à disposition d'un particulier pour l'entretien de son jardin. Que doit contenir le "
     "contrat de mise à disposition, et pouvons-nous facturer les heures si le client annule la veille ?",
     "Le contrat de mise à disposition est écrit ; il précise notamment la nature des travaux, le lieu, les horaires "
     "et le prix facturé, l'association restant l'employeur du salarié. Prévoyez au contrat les conditions "
     "d'annulation : sans clause, une annulation tardive se règle à l'amiable.", ("AI",)),
    (10, ("Nouvelle mission d'insertion chez le même client", "Délai de carence entre deux missions d'une ETTI",
          "Reprendre un intérimaire en parcours sur le même poste"),
     "Un intérimaire en parcours termine sa mission chez un client qui veut le reprendre dès la semaine prochaine "
     "sur le même poste. Le délai de carence s'applique-t-il aux missions d'une ETTI ?",
     "Les missions d'une ETTI suivent les règles du travail temporaire, avec des adaptations liées au parcours "
     "d'insertion. Vérifiez le motif de recours et les cas où le code du travail écarte le délai de carence avant de "
     "signer la nouvelle mission ; nous pouvons relire le contrat.", ("ETTI",)),
]

# Searches that found nothing in the demo statistics (resources still to write).
MISSING_TOPICS = ["intempéries chantier", "mutuelle obligatoire cddi", "titres-restaurant", "télétravail encadrant",
                  "véhicule de service", "intempéries chantier", "mutuelle obligatoire cddi", "intempéries chantier"]
HISTORY_MONTHS = 24

STATUS_PLAN = ["new"] * 12 + ["open"] * 14 + ["waiting"] * 10 + ["answered"] * 12 + ["closed"] * 14
# When each status's questions were filed, in days before the seeding (oldest, newest), so that the demo is the state
# the desk would be in whatever day it is loaded: answered and waiting questions had news within AUTO_CLOSE_DAYS (30)
# and no waiting one is due its closing reminder (a week before), so `flask triage close-inactive` has nothing to do;
# new questions are days old, not months. Each is filed on a morning from Monday to Thursday (up to 3 days earlier
# than its slot), so that the team's steps fall in office hours whatever the hour of loading, and its play ends
# before the seeding.
PLAN_WINDOWS = {"new": (26, 0.5), "open": (45, 1), "waiting": (19, 2), "answered": (24, 2), "closed": (175, 3)}
PLAY_LENGTHS = {"new": timedelta(0), "open": timedelta(hours=3), "waiting": timedelta(hours=26),
                "answered": timedelta(hours=28), "closed": timedelta(days=2, hours=1)}
# What a jurist asks before answering, whatever the question is about (not every one concerns a contract).
WAITING_REQUEST = ("Pour vous répondre, pouvez-vous nous indiquer les dates utiles (début du contrat ou "
                   "des faits), le nombre de salariés concernés et, si possible, joindre le document en cause ?")


def luhn_siret(prefix: str) -> str:
    """Complete a 13-digit prefix into a SIRET with a valid checksum."""
    for last in "0123456789":
        candidate = prefix + last
        total = 0
        for position, char in enumerate(reversed(candidate)):
            digit = int(char) * (2 if position % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return candidate
    raise ValueError(prefix)


@contextmanager
def _demo_domain_allowed():
    """The demo's accounts are @demo.local, a special-use domain that no mail reaches: they are created whatever
    EMAIL_ALLOW_SPECIAL_DOMAINS says (it governs the addresses typed into the site, false by default)."""
    config = current_app.config
    allowed = config["EMAIL_ALLOW_SPECIAL_DOMAINS"]
    config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = True
    try:
        yield
    finally:
        config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = allowed


def seed(password: str = DEMO_PASSWORD) -> bool:
    """Fill an empty database with demo data; return False (and do nothing) if it holds users."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    # Each part draws from its own generator: the history's volume follows the calendar month, and the planned
    # questions' authors, structures and jurists must not change with the day the demo is loaded.
    rng = random.Random(2026)
    now = utcnow()
    themes = [Theme(name=name, slug=slugify(name)) for name in THEMES]
    structures = [
        Structure(name=name, siret=luhn_siret(f"8{index:02d}45612300{index:02d}"), type=kind, region=region, active=active)
        for index, (name, kind, region, active) in enumerate(STRUCTURES)
    ]
    db.session.add_all(themes + structures)
    db.session.commit()
    with _demo_domain_allowed():
        users = [create_user(email, name, password, role, structures[index].id if index is not None else None)
                 for email, name, role, index in ACCOUNTS]
    jurists = [user for user in users if user.role == "jurist"]
    members = [user for user in users if user.role == "member" and user.structure.active]
    plays, asked = _plan(rng, now, members, jurists), set()
    # The planned questions take their subjects first, so that they are the same whatever the history's volume.
    questions = {number: _pick_question(number, author.structure, asked) for _moment, number, _s, author, _j in plays}
    with_files = next(number for _moment, number, status, author, _jurist in plays
                      if author is members[0] and status == "open")
    # The older history first, so that question numbers follow the dates as they would have.
    _seed_history(random.Random(2024), now, themes, members, jurists, asked)
    for moment, number, status, author, jurist in sorted(plays, key=lambda play: play[0]):
        theme_index, subject, body, answer = questions[number]
        _play_question(author, themes[theme_index], subject, body, answer, status, jurist, moment,
                       with_files=number == with_files)
    _seed_triage(users, themes, structures, rng)
    load_starter_content()
    _attach_template_files(jurists[0])
    _demo_mail(members)
    _seed_resources_life(now, themes, users)
    _seed_reading(rng, now, members)
    return True


def _plan(rng: random.Random, now: datetime, members: list[User],
          jurists: list[User]) -> list[tuple[datetime, int, str, User, User]]:
    """The planned questions: when each is filed, its number in the plan, its status, author and jurist; the same
    authors and jurists whatever `now` is."""
    plays, seen = [], {}
    for number, status in enumerate(STATUS_PLAN):
        oldest, newest = PLAN_WINDOWS[status]
        rank, count = seen.get(status, 0), STATUS_PLAN.count(status)
        seen[status] = rank + 1
        days_ago = oldest - (oldest - newest) * rank / max(count - 1, 1)
        author = members[0] if number % 4 == 0 else rng.choice(members)
        minutes, day = rng.randint(0, 180), (now - timedelta(days=days_ago)).astimezone(PARIS).date()
        moment = _office_morning(day, minutes)
        while moment + PLAY_LENGTHS[status] > now:
            day -= timedelta(days=1)
            moment = _office_morning(day, minutes)
        plays.append((moment, number, status, author, rng.choice(jurists)))
    return plays


def _pick_question(start: int, structure: Structure, asked: set[tuple[int, str]]) -> tuple[int, str, str, str]:
    """The theme index, subject, body and answer of the first question from `start` on (round QUESTIONS) that
    concerns `structure`'s type and has a subject it has not asked yet (noted in `asked`): a member never sees two
    questions of the same subject in « Mes questions »."""
    for step in range(len(QUESTIONS)):
        theme_index, subjects, body, answer, types = QUESTIONS[(start + step) % len(QUESTIONS)]
        subject = next((subject for subject in subjects if (structure.id, subject) not in asked), None)
        if subject is not None and (types is None or structure.type in types):
            asked.add((structure.id, subject))
            return theme_index, subject, body, answer
    raise ValueError(f"no demo subject left for {structure.name}")


def _office_morning(day: date, minutes: int) -> datetime:
    """`minutes` past 9:00 in Paris on `day`, or on the Monday-to-Thursday before it: a question filed then is taken
    the same day and answered the next, in office hours."""
    while day.weekday() > 3 or day in french_holidays(day.year):
        day -= timedelta(days=1)
    return datetime.combine(day, time(9), PARIS) + timedelta(minutes=minutes)


def _office_time(moment: datetime) -> datetime:
    """`moment`, or the next opening of the office (9:00 in Paris on a working day) when it is closed then."""
    local = moment.astimezone(PARIS)
    if local.hour >= 18:
        local = datetime.combine(local.date() + timedelta(days=1), time(9), PARIS)
    elif local.hour < 9:
        local = datetime.combine(local.date(), time(9), PARIS)
    while local.weekday() > 4 or local.date() in french_holidays(local.year):
        local = datetime.combine(local.date() + timedelta(days=1), time(9), PARIS)
    return local


def _last_office_moment(moment: datetime) -> datetime:
    """`moment` if the office is open then, else the end of its last working day before (17:30 in Paris)."""
    local = moment.astimezone(PARIS)
    if local.weekday() < 5 and local.date() not in french_holidays(local.year) and 9 <= local.hour < 18:
        return moment
    day = local.date() if local.hour >= 18 else local.date() - timedelta(days=1)
    while day.weekday() > 4 or day in french_holidays(day.year):
        day -= timedelta(days=1)
    return datetime.combine(day, time(17, 30), PARIS)


def _seed_resources_life(now: datetime, themes: list[Theme], users: list[User]) -> None:
    """Webinars with their Q&A, a flash info bulletin with subscribers, resources flagged "à vérifier"."""
    by_email = {user.email: user for user in users}
    jurist, member, colleague = by_email["juriste@demo.local"], by_email["membre@demo.local"], by_email["membre2@demo.local"]
    today = now.astimezone(PARIS).date()
    iae = themes[1]
    past = webinar_services.save_webinar(None, WebinarValues(
        title="Réforme IAE : le CDI inclusion et le contrat passerelle", starts_at=datetime.combine(_working_day(today - timedelta(days=45)), time(10), PARIS),
        description="Ce que la loi du 14 décembre 2020 et ses décrets changent pour vos salariés en parcours.",
        speakers=("Léa Juriste", "Hugo Juriste"), slides_url="https://exemple.org/webinaires/cdi-inclusion.pdf",
        recording_url="https://exemple.org/webinaires/cdi-inclusion", theme_ids=(iae.id, themes[2].id)), jurist)
    for question, answer in DEMO_WEBINAR_QA:
        webinar_services.add_question_answer(past, question, answer, jurist)
    upcoming = webinar_services.save_webinar(None, WebinarValues(
        title="Activité partielle : les bons réflexes en SIAE", starts_at=datetime.combine(_working_day(today + timedelta(days=20)), time(14), PARIS),
        description="Formalités, consultation du CSE, calcul de l'indemnité pour les salariés en CDDI.",
        speakers=("Hugo Juriste",), theme_ids=(themes[0].id,), duration_minutes=90,
        join_url="https://visio.exemple.org/federation/activite-partielle"), jurist)
    webinar_services.register_interest(upcoming, colleague)
    webinar_services.send_question(upcoming, colleague, "Un salarié en CDDI placé en activité partielle peut-il "
                                   "suivre une formation pendant les heures chômées ?")
    flash_services.set_subscriptions(member, [iae.id, themes[0].id])
    flash_services.set_subscriptions(colleague, [themes[0].id])
    bulletin = flash_services.save_bulletin(None, {
        "title": "PASS IAE : nouvelle durée de prolongation", "summary": "Un décret allonge la prolongation "
        "exceptionnelle du PASS IAE : ce que vous devez faire d'ici la fin du mois.",
        "body": "Le décret fictif n° 2026-0001 permet de **prolonger** le PASS IAE de six mois supplémentaires "
                "dans les cas prévus.\n\n- Vérifiez la date de fin de chaque PASS ;\n- Demandez la prolongation "
                "au prescripteur avant l'échéance.", "themes": [iae.slug]}, flash_services.Audience(), jurist)
    flash_services.publish_bulletin(bulletin, jurist)
    review.flag_articles_citing("L5132-5", jurist, "Article modifié par le décret fictif n° 2026-0001 : à relire.")


def _working_day(day: date) -> date:
    """`day`, or the first day after it that is neither a weekend nor a French public holiday (a webinar's day)."""
    while day.weekday() >= 5 or day in french_holidays(day.year):
        day += timedelta(days=1)
    return day


DEMO_WEBINAR_QA = [
    ("Un salarié en CDI inclusion peut-il être mis à disposition d'une autre entreprise ?",
     "Oui, dans les conditions de droit commun de la mise à disposition, avec une convention écrite."),
    ("Le contrat passerelle peut-il être rompu avant son terme ?",
     "Oui, à l'initiative du salarié pour une embauche, ou d'un commun accord ; l'employeur reste tenu "
     "de respecter les cas de rupture anticipée du CDD."),
]


def _seed_history(rng: random.Random, now: datetime, themes: list[Theme], members: list[User],
                  jurists: list[User], asked: set[tuple[int, str]]) -> None:
    """Answered and closed questions over the two years before the last six months, for the statistics (busier in
    autumn), each on a subject its structure has not asked yet (`asked`)."""
    for months_back in range(HISTORY_MONTHS, 6, -1):
        month_start = now - timedelta(days=30.4 * months_back)
        volume = 3 + (3 if month_start.month in (9, 10, 11, 1) else 0) + rng.randint(0, 2)
        moments = sorted(_office_morning((month_start + timedelta(days=rng.uniform(0, 29))).astimezone(PARIS).date(),
                                         rng.randint(0, 420)) for _ in range(volume))
        for moment in moments:
            author, start = rng.choice(members), rng.randrange(len(QUESTIONS))
            theme_index, subject, body, answer = _pick_question(start, author.structure, asked)
            response_hours = rng.choice((2, 4, 6, 20, 26, 30, 48, 70, 120))
            with frozen_time(moment):
                ticket = services.file_question(author, subject, body, themes[theme_index].id)
            answered_at = _office_time(moment + timedelta(hours=response_hours))
            with frozen_time(answered_at):
                services.add_message(ticket, rng.choice(jurists), answer)
            with frozen_time(answered_at + timedelta(hours=rng.randint(4, 96))):
                services.close(ticket, ticket.author)


def _seed_reading(rng: random.Random, now: datetime, members: list[User]) -> None:
    """Resource reads, searches without result and suggestions opened, spread over the two years."""
    articles = db.session.scalars(select(Article).where(Article.status == "published").order_by(Article.id)).all()
    popular = articles[: max(1, len(articles) // 4)]

    def moment() -> datetime:
        """A random past moment within the demo history."""
        return now - timedelta(days=rng.uniform(1, 30.4 * HISTORY_MONTHS))

    for _ in range(600):
        article = rng.choice(popular if rng.random() < 0.6 else articles)
        db.session.add(ArticleRead(article_id=article.id, reader=rng.choice(("member", "member", "jurist", "anonymous")),
                                   created_at=moment()))
    for query in MISSING_TOPICS * 3:
        db.session.add(SearchLog(query=query, results=0, role="member", created_at=moment()))
    for _ in range(60):
        db.session.add(SuggestionClick(user_id=rng.choice(members).id, article_id=rng.choice(popular).id,
                                       created_at=moment()))
    db.session.commit()


def _demo_email(sender: str, subject: str, body: str, message_id: str, to: str = "questions@demo.local") -> bytes:
    """A fictional received email."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{message_id}@demo.local>"
    message.set_content(body)
    return bytes(message)


def _demo_mail(members: list[User]) -> None:
    """Email: the seeded history's notifications count as sent, a member reads them in a daily digest,
    one reply arrived by email and two received emails wait in « Courriels non rattachés »."""
    db.session.execute(update(OutboxEmail).where(OutboxEmail.status == "pending")
                       .values(status="sent", sent_at=OutboxEmail.created_at))
    members[1].notify_mode = "digest"
    db.session.commit()
    waiting = db.session.scalar(select(Ticket).where(Ticket.status == "waiting", Ticket.structure_id ==
                                                     members[0].structure_id).order_by(Ticket.id))
    answered = db.session.scalar(select(Ticket).where(Ticket.status == "answered").order_by(Ticket.id))
    if waiting is not None:
        # Dates told relative to the jurist's request, so that the mail reads true whatever day the demo is loaded.
        asked = waiting.last_activity_at
        ingest(_demo_email(f"{members[0].name} <{members[0].email}>", f"Re: [{waiting.reference}] {waiting.subject}",
                           f"Le contrat a débuté le {format_date(asked - timedelta(days=40))}, pour 26 heures par "
                           f"semaine.\n\nLe {format_date(asked)}, Helpdesk juridique a écrit :\n> {waiting.subject}",
                           "demo-reply-1",
                           # To the member's signed reply address (kept for review without MAIL_REPLY_TO).
                           to=reply_address(members[0], waiting) or "questions@demo.local"))
    if answered is not None:
        ingest(_demo_email("Cabinet Fictif <contact@cabinet-fictif.example>", f"Re: [{answered.reference}] Dossier",
                           "Bonjour, je suis l'expert-comptable de la structure : pouvez-vous me transmettre "
                           "la réponse ?", "demo-unknown-1"))
    ingest(_demo_email(f"{members[0].name} <{members[0].email}>", "Question sur le CSE",
                       "Nos salariés en insertion comptent-ils dans l'effectif pour la mise en place du CSE ?",
                       "demo-noref-1"))


# A member's file joined to a question an hour after filing it, and the jurist's grid on the note taking it.
MEMBER_FILE = ("planning-equipe.txt", "Semaine 1 : 4 salariés en CDDI, 26 h chacun.\n"
                                      "Semaine 2 : 2 salariés en formation, 2 salariés en mise à disposition.\n".encode())
JURIST_FILE = ("grille-analyse.txt", "Points à vérifier : durée du contrat, heures, accord du prescripteur.\n".encode())


def _attach_template_files(jurist: User) -> None:
    """The text to fill in of each template, as a file to download."""
    for template in db.session.scalars(select(Article).where(Article.type == "template").order_by(Article.slug)).all():
        save_upload(_template_text(template.body).encode(), f"{template.slug}.txt", uploader=jurist, article=template)
    db.session.commit()


def _template_text(body: str) -> str:
    """The part of a template's Markdown to fill in, as plain text: its quoted letter or deed, else the whole page."""
    quoted = [line[1:].strip() for line in body.splitlines() if line.startswith(">")]
    return "\n".join(quoted or body.splitlines()).replace("**", "").strip() + "\n"

# Written as letters, greeting included: the notification mail does not greet again above a reply that greets.
CANNED_ANSWERS = [
    ("Accusé de réception", "Bonjour {prenom_membre},\n\nNous avons bien reçu votre question {reference} pour "
     "{structure}. Nous revenons vers vous rapidement.\n\nBien cordialement,\n{juriste}", None),
    ("Demande de précisions sur le contrat", "Bonjour {prenom_membre},\n\nPour vous répondre, pouvez-vous nous "
     "préciser la date de début du contrat, sa durée hebdomadaire et la date d'échéance du PASS IAE ?\n\n"
     "Bien cordialement,\n{juriste}", "waiting"),
    # A frame for a full answer: « Insérer le lien » puts the resource above the closing.
    ("Réponse avec une fiche à l'appui", "Bonjour {prenom_membre},\n\nVoici notre réponse à votre question "
     "« {objet} ».\n\n(Votre réponse.)\n\nVous trouverez le détail dans la fiche ci-dessous. N'hésitez pas à revenir "
     "vers nous si votre situation est différente.\n\nBien cordialement,\n{juriste}", None),
]
DEMO_TAGS = ["480 heures", "à relire", "webinaire", "pass iae", "cse"]


def _seed_triage(users: list[User], themes: list[Theme], structures: list[Structure], rng: random.Random) -> None:
    """Triage demo: service levels, routing rules, canned answers, tags, ratings, a question taken by phone in office
    hours."""
    admin, jurist, jurist2 = users[0], users[1], users[2]
    sla.save_policy(admin, 3, None, 3, 14)
    sla.save_policy(admin, 1, themes[1].id, 9, 45)
    routing.add_rule(admin, themes[4].id, None, jurist2.id)
    routing.add_rule(admin, None, "guadeloupe", jurist.id)
    for title, body, status_after in CANNED_ANSWERS:
        canned.save_canned_answer(jurist, None, title, body, status_after)
    tickets = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    for ticket in tickets[::4]:
        # Tagged while sorting the question, before anyone answers it: not on the day the demo is loaded.
        with frozen_time(min(ticket.created_at + timedelta(minutes=90), utcnow())):
            tagging.add_tags(ticket, jurist, rng.sample(DEMO_TAGS, 2))
    for ticket in tickets:
        if ticket.status == "closed" and ticket.first_response_at is not None:
            # Rated soon after the answer, as a member would: not every rating on the day the demo is loaded.
            with frozen_time(min(ticket.closed_at + timedelta(hours=3), utcnow())):
                satisfaction.rate(ticket, ticket.author, rng.choice((3, 4, 5, 5)),
                                  rng.choice(("", "Réponse claire et rapide.", "Merci, très utile.")))
    caller = next(user for user in users if user.email == "encadrant.velo@demo.local")
    # The last question filed (numbers follow dates), by a jurist at work: not at 2:30 if the demo is loaded then.
    taken = max(_last_office_moment(utcnow()), max(ticket.created_at for ticket in tickets) + timedelta(minutes=1))
    with frozen_time(taken):
        filing.file_on_behalf(jurist, caller.id, caller.structure_id, "phone", "Appel : atelier fermé pour cyclone",
                              "L'encadrant a appelé : l'atelier doit fermer deux jours à cause d'une alerte "
                              "cyclonique. Les salariés en CDDI doivent-ils être payés ?", themes[0].id, priority=3)


def _play_question(author: User, theme: Theme, subject: str, body: str, answer: str, status: str,
                   jurist: User, moment: datetime, with_files: bool = False) -> Ticket:
    """File a question and take it to `status` through the real services, hours apart; `with_files`: the member
    joins a file an hour after filing, the jurist another to the note taking the question."""
    with frozen_time(moment):
        ticket = services.file_question(author, subject, body, theme.id, priority=1 + (len(subject) % 3))
    if with_files:
        with frozen_time(moment + timedelta(hours=1)):
            services.add_message(ticket, author, "Je joins le planning prévisionnel de l'équipe.",
                                 attachments=[MEMBER_FILE])
    if status == "new":
        return ticket
    with frozen_time(moment + timedelta(hours=2)):
        services.claim(ticket, jurist)
    with frozen_time(moment + timedelta(hours=3)):
        services.add_message(ticket, jurist, "Dossier pris en charge : je vérifie les textes applicables"
                             + (", grille d'analyse jointe." if with_files else "."), internal=True,
                             attachments=[JURIST_FILE] if with_files else ())
    if status == "open":
        return ticket
    if status == "waiting":
        with frozen_time(moment + timedelta(hours=26)):
            services.add_message(ticket, jurist, WAITING_REQUEST, status_after="waiting")
        return ticket
    with frozen_time(moment + timedelta(hours=28)):
        services.add_message(ticket, jurist, answer)
    if status == "closed":
        with frozen_time(moment + timedelta(days=2)):
            services.add_message(ticket, author, "Merci beaucoup pour cette réponse claire.")
        with frozen_time(moment + timedelta(days=2, hours=1)):
            services.close(ticket, author)
    return ticket
