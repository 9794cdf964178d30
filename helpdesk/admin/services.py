"""Administration operations on structures and themes."""
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import contains_eager

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.like import any_contains
from helpdesk.models import REGIONS, STRUCTURE_TYPES, Structure, Theme, User
from helpdesk.models.user import UNUSABLE_PASSWORD
from helpdesk.models.structure import siret_is_valid
from helpdesk.permissions import ensure_admin
from helpdesk.plain_text import one_line
from helpdesk.slugs import slugify
from helpdesk.translation import gettext as _, lazy_gettext as _l

STRUCTURE_NAME_MAX = 200


# The states an admin filters the accounts by, in the words of the list's « État » column.
ACCOUNT_STATES = {
    "active": _l("Actifs"),
    "invited": _l("Invitation pas encore acceptée"),
    "inactive": _l("Désactivés"),
    "anonymised": _l("Anonymisés"),
}
# The membership states an admin filters the structures by, in the words of the list's « Adhésion » column.
MEMBERSHIPS = {"active": _l("Active"), "inactive": _l("Inactive")}
# An account that may log in: active and not anonymised (« Actifs » in the accounts list).
ACTIVE_ACCOUNT = and_(User.active, User.anonymised_at.is_(None))


def accounts_query(search: str = "", role: str | None = None, state: str | None = None) -> Select:
    """Accounts by role then name; `search` keeps those whose name, e-mail or structure contains it, `role` those of
    that role, `state` those in that state (ACCOUNT_STATES; « invited » is an active account without a password)."""
    # The structure of each account is read from the join: one query per page, not one per structure shown.
    query = (select(User).outerjoin(Structure, User.structure_id == Structure.id)
             .options(contains_eager(User.structure)).order_by(User.role, french_order(User.name)))
    if search:
        query = query.where(any_contains(search, User.name, User.email, Structure.name))
    if role:
        query = query.where(User.role == role)
    kept = User.anonymised_at.is_(None)
    if state == "active":
        query = query.where(ACTIVE_ACCOUNT)
    elif state == "invited":
        query = query.where(ACTIVE_ACCOUNT, User.password_hash.startswith(UNUSABLE_PASSWORD, autoescape=True))
    elif state == "inactive":
        query = query.where(~User.active, kept)
    elif state == "anonymised":
        query = query.where(~kept)
    return query


def structures_query(search: str = "", membership: str | None = None) -> Select:
    """Structures by name; `search` keeps those whose name or SIRET (typed with or without spaces) contains it,
    `membership` those whose membership is in that state (MEMBERSHIPS)."""
    query = select(Structure).order_by(french_order(Structure.name))
    if search:
        query = query.where(any_contains(search, Structure.name) | any_contains(normalise_siret(search), Structure.siret))
    if membership:
        query = query.where(Structure.active if membership == "active" else ~Structure.active)
    return query


def active_accounts(structures: Iterable[Structure]) -> dict[int, int]:
    """The number of active accounts of each of these structures, by id (one grouped query; none: absent)."""
    ids = [structure.id for structure in structures]
    if not ids:
        return {}
    return dict(db.session.execute(select(User.structure_id, func.count()).where(User.structure_id.in_(ids),
                                                                                   ACTIVE_ACCOUNT)
                                   .group_by(User.structure_id)).all())


def normalise_siret(siret: str) -> str:
    """A SIRET without the spaces (ordinary or non-breaking) people and spreadsheets put in it."""
    return "".join((siret or "").split())


def siret_problem(siret: str) -> str | None:
    """Why a SIRET (already normalised) is refused, in words, or None when it is valid."""
    if not (siret.isascii() and siret.isdigit()) or len(siret) != 14:
        return _("Le SIRET compte 14 chiffres.")
    if not siret_is_valid(siret):
        return _("Ce SIRET n'est pas valide (clé de contrôle incorrecte).")
    return None


def structure_problems(*, name: str, siret: str, type: str, region: str) -> dict[str, str]:
    """The values of a structure (trimmed and normalised) that break a rule, by field, with the reason in words;
    empty when all are acceptable. The SIRET's uniqueness is the caller's to check."""
    problems = {}
    if not name:
        problems["name"] = _("Indiquez le nom de la structure.")
    elif len(name) > STRUCTURE_NAME_MAX:
        problems["name"] = too_long(len(name), STRUCTURE_NAME_MAX)
    if (siret_reason := siret_problem(siret)) is not None:
        problems["siret"] = siret_reason
    if not type:
        problems["type"] = _("Indiquez le type de structure.")
    elif type not in STRUCTURE_TYPES:
        problems["type"] = _("Type de structure inconnu.")
    if not region:
        problems["region"] = _("Indiquez la région.")
    elif region not in REGIONS:
        problems["region"] = _("Région inconnue.")
    return problems


def structure_choices(structures: Iterable[Structure]) -> list[tuple[int, str]]:
    """(id, label) of structures for a select: the name, followed by the region where several structures bear it,
    and by the SIRET too where they also share the region, so that namesakes can be told apart."""
    structures = list(structures)
    names = Counter(structure.name for structure in structures)
    places = Counter((structure.name, structure.region) for structure in structures)

    def label(structure: Structure) -> str:
        """The structure's name, made distinct from its namesakes'."""
        if names[structure.name] == 1:
            return structure.name
        if places[structure.name, structure.region] == 1:
            return f"{structure.name} ({structure.region_label})"
        return f"{structure.name} ({structure.region_label}, SIRET {structure.siret})"

    return [(structure.id, label(structure)) for structure in structures]


def save_structure(structure: Structure | None, *, name: str, siret: str, type: str, region: str,
                   active: bool, actor: User) -> Structure:
    """Create (structure=None) or update a member structure after checking its values (admins only)."""
    ensure_admin(actor)
    name, siret = one_line(name), normalise_siret(siret)
    problems = structure_problems(name=name, siret=siret, type=type, region=region)
    if problems:
        field, problem = next(iter(problems.items()))
        raise InvalidInput(problem, field=field)
    duplicate = db.session.scalar(select(Structure).where(Structure.siret == siret))
    if duplicate is not None and duplicate is not structure:
        raise InvalidInput(_("Une structure existe déjà avec ce SIRET."), field="siret")
    created = structure is None
    if created:
        structure = Structure()
        db.session.add(structure)
    structure.name, structure.siret, structure.type, structure.region, structure.active = (
        name, siret, type, region, active)
    db.session.flush()
    record_event("structure_created" if created else "structure_updated", actor, structure_id=structure.id)
    db.session.commit()
    return structure


def _checked_theme_name(name: str, theme: Theme | None = None) -> str:
    """A theme name, trimmed, refused when empty, too long or the same (case, accents and punctuation aside) as
    another theme's; `theme`: the theme being renamed, which may keep its own name."""
    name = one_line(name)
    if not name:
        raise InvalidInput(_("Indiquez le nom du thème."), field="name")
    if len(name) > 120:
        raise InvalidInput(too_long(len(name), 120), field="name")
    if not slugify(name):
        raise InvalidInput(_("Le nom d'un thème comporte au moins une lettre ou un chiffre."), field="name")
    others = db.session.scalars(select(Theme).where(Theme.id != theme.id) if theme is not None else select(Theme))
    same = next((other for other in others if slugify(other.name) == slugify(name)), None)
    if same is not None:
        raise InvalidInput(_("Le thème « %(name)s » existe déjà.", name=same.name), field="name")
    return name


def _free_slug(name: str) -> str:
    """The slug of a new theme's name (cut to fit its column), with a number added when a renamed theme still
    holds it."""
    base = slug = slugify(name)[:76].rstrip("-")
    taken = set(db.session.scalars(select(Theme.slug).where(Theme.slug.startswith(base))))
    number = 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_theme(name: str, actor: User) -> Theme:
    """Add a theme with a unique name."""
    ensure_admin(actor)
    name = _checked_theme_name(name)
    theme = Theme(name=name, slug=_free_slug(name), active=True)
    db.session.add(theme)
    db.session.flush()
    record_event("theme_created", actor, theme_id=theme.id)
    db.session.commit()
    return theme


def update_theme(theme: Theme, actor: User, *, name: str, active: bool) -> None:
    """Rename a theme or retire/restore it. Its slug stays: resources, search indexes, content files and saved
    addresses refer to the theme by it."""
    ensure_admin(actor)
    # An unchanged name is not checked again: retiring or restoring a theme always works.
    name = theme.name if (name or "").strip() == theme.name else _checked_theme_name(name, theme)
    changes = {key: value for key, value in (("name", name), ("active", active)) if getattr(theme, key) != value}
    if not changes:
        return
    if "name" in changes:
        changes["previous_name"] = theme.name
    theme.name, theme.active = name, active
    record_event("theme_updated", actor, theme_id=theme.id, **changes)
    db.session.commit()


def toggle_theme(theme: Theme, actor: User) -> None:
    """Retire a theme from new questions, or bring it back."""
    update_theme(theme, actor, name=theme.name, active=not theme.active)
