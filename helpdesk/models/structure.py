"""Member structures of the federation."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.models.user import User
from helpdesk.translation import lazy_gettext as _l

STRUCTURE_TYPES = {
    "AI": _l("Association intermédiaire (AI)"),
    "ACI": _l("Atelier et chantier d'insertion (ACI)"),
    "EI": _l("Entreprise d'insertion (EI)"),
    "ETTI": _l("Entreprise de travail temporaire d'insertion (ETTI)"),
    "ETT_ESS": _l("Entreprise de travail temporaire de l'ESS"),
    "OSP": _l("Organisme de services à la personne"),
    "GES": _l("Groupe économique solidaire (GES)"),
    "EBE": _l("Entreprise à but d'emploi (EBE)"),
    "OTHER": _l("Autre"),
}

REGIONS = {
    "auvergne-rhone-alpes": "Auvergne-Rhône-Alpes",
    "bourgogne-franche-comte": "Bourgogne-Franche-Comté",
    "bretagne": "Bretagne",
    "centre-val-de-loire": "Centre-Val de Loire",
    "corse": "Corse",
    "grand-est": "Grand Est",
    "hauts-de-france": "Hauts-de-France",
    "ile-de-france": "Île-de-France",
    "normandie": "Normandie",
    "nouvelle-aquitaine": "Nouvelle-Aquitaine",
    "occitanie": "Occitanie",
    "pays-de-la-loire": "Pays de la Loire",
    "provence-alpes-cote-d-azur": "Provence-Alpes-Côte d'Azur",
    "guadeloupe": "Guadeloupe",
    "martinique": "Martinique",
    "guyane": "Guyane",
    "la-reunion": "La Réunion",
    "mayotte": "Mayotte",
}


def siret_is_valid(siret: str) -> bool:
    """Tell whether a SIRET has 14 digits and a valid Luhn checksum (La Poste's SIRETs excepted)."""
    if len(siret) != 14 or not (siret.isascii() and siret.isdigit()):  # « ８ » or « ٨ » are digits to isdigit()
        return False
    if siret.startswith("356000000"):
        return sum(int(digit) for digit in siret) % 5 == 0
    total = 0
    for position, char in enumerate(reversed(siret)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class Structure(db.Model):
    """A member organisation; its users share its questions."""

    __tablename__ = "structure"
    __table_args__ = (
        enum_check("type", STRUCTURE_TYPES, "type"),
        enum_check("region", REGIONS, "region"),
        CheckConstraint("length(siret) = 14", name="siret_length"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    type: Mapped[str] = mapped_column(String(10), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    users = relationship("User", back_populates="structure", order_by=lambda: french_order(User.name))

    @property
    def type_label(self) -> str:
        """The structure type in words."""
        return str(STRUCTURE_TYPES.get(self.type, self.type))

    @property
    def region_label(self) -> str:
        """The region in words."""
        return REGIONS.get(self.region, self.region)

    def __repr__(self) -> str:
        return f"<Structure {self.id} {self.name!r}>"
