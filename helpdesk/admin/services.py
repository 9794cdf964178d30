"""Administration operations on structures and themes."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import REGIONS, STRUCTURE_TYPES, Structure, Theme, User
from helpdesk.models.structure import siret_is_valid
from helpdesk.permissions import ensure_admin
from helpdesk.slugs import slugify


def save_structure(structure: Structure | None, *, name: str, siret: str, type: str, region: str,
                   active: bool, actor: User) -> Structure:
    """Create (structure=None) or update a member structure after checking its values (admins only)."""
    ensure_admin(actor)
    name = (name or "").strip()
    siret = (siret or "").replace(" ", "")
    if not name or len(name) > 200:
        raise InvalidInput(_("Indiquez un nom de 200 caractères au plus."))
    if not siret_is_valid(siret):
        raise InvalidInput(_("Ce SIRET n'est pas valide."))
    if type not in STRUCTURE_TYPES or region not in REGIONS:
        raise InvalidInput(_("Type ou région inconnus."))
    duplicate = db.session.scalar(select(Structure).where(Structure.siret == siret))
    if duplicate is not None and duplicate is not structure:
        raise InvalidInput(_("Une structure existe déjà avec ce SIRET."))
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


def create_theme(name: str, actor: User) -> Theme:
    """Add a theme with a unique name (admins only)."""
    ensure_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("Indiquez un nom de thème de 120 caractères au plus."))
    slug = slugify(name)
    exists = db.session.scalar(
        select(Theme).where((func.lower(Theme.name) == name.lower()) | (Theme.slug == slug)))
    if exists is not None or not slug:
        raise InvalidInput(_("Ce thème existe déjà."))
    theme = Theme(name=name, slug=slug, active=True)
    db.session.add(theme)
    db.session.flush()
    record_event("theme_created", actor, theme_id=theme.id)
    db.session.commit()
    return theme


def toggle_theme(theme: Theme, actor: User) -> None:
    """Retire a theme from new questions, or bring it back (admins only)."""
    ensure_admin(actor)
    theme.active = not theme.active
    record_event("theme_updated", actor, theme_id=theme.id, active=theme.active)
    db.session.commit()
