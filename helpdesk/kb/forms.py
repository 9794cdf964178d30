"""Forms of the knowledge-base area."""
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional, Regexp

from helpdesk.attachments.forms import attachments_field
from helpdesk.kb.services import BODY_MAX, FIELD_LABELS, SLUG_MAX, SUMMARY_MAX, TITLE_MAX, URL_MAX
from helpdesk.main.forms import AtMost, Form, MultiCheckboxField, select_choices, within_years
from helpdesk.models import ARTICLE_TYPES, VISIBILITIES
from helpdesk.translation import lazy_gettext as _l


class ArticleForm(Form):
    """Write or edit a resource."""

    title = StringField(FIELD_LABELS["title"], validators=[
        DataRequired(_l("Indiquez un titre.")), AtMost(TITLE_MAX)])
    slug = StringField(FIELD_LABELS["slug"], validators=[
        Optional(), AtMost(SLUG_MAX),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Lettres minuscules sans accent, chiffres et tirets uniquement."))],
        description=_l("Laissez vide pour la tirer du titre, ou saisissez-la, par exemple : cdi-inclusion-seniors. "
                       "Elle ne change plus après la création."))
    summary = TextAreaField(FIELD_LABELS["summary"],
                            validators=[AtMost(SUMMARY_MAX)])
    body = TextAreaField(FIELD_LABELS["body"], validators=[
        DataRequired(_l("Le contenu est vide.")), AtMost(BODY_MAX)],
        description=_l("Titres avec ##, listes avec -, liens avec [texte](https://…)."))
    # Flash info bulletins are written on their own pages (audience, announcement): not here. No type stands first
    # on a new resource: « Texte de loi ou décret », chosen by default, was saved unnoticed on décryptages.
    type = SelectField(FIELD_LABELS["type"],
                       choices=select_choices([("", _l("Choisissez un type")), *(
                           (kind, label) for kind, label in ARTICLE_TYPES.items() if kind != "flash")]),
                       validators=[DataRequired(_l("Choisissez le type de la ressource."))])
    visibility = SelectField(FIELD_LABELS["visibility"], choices=select_choices(VISIBILITIES.items()),
                             default="members")
    themes = MultiCheckboxField(FIELD_LABELS["themes"])
    tags = StringField(FIELD_LABELS["tags"], validators=[AtMost(500)], description=_l("Séparés par des virgules."))
    legal_refs = TextAreaField(FIELD_LABELS["legal_refs"], validators=[AtMost(3000)],
                               description=_l("Une par ligne, par exemple : C. trav. art. L5132-5"))
    updated_on = DateField(FIELD_LABELS["updated_on"], validators=[Optional(), within_years],
                           description=_l("Date de la dernière vérification juridique."))
    source_url = StringField(FIELD_LABELS["source_url"], validators=[
        Optional(), AtMost(URL_MAX),
        Regexp(r"^https?://", message=_l("Une adresse commençant par http:// ou https:// est attendue."))])
    attachments = attachments_field(_l("Fichiers à télécharger (modèles, supports)"))
    submit = SubmitField(_l("Enregistrer"))

    def to_data(self) -> dict:
        """The form's values in the shape the article service validates."""
        return {
            "slug": self.slug.data, "title": self.title.data, "summary": self.summary.data or "",
            "body": self.body.data, "type": self.type.data, "visibility": self.visibility.data,
            "themes": self.themes.data or [], "tags": self.tags.data or "",
            "legal_refs": [line.strip() for line in (self.legal_refs.data or "").splitlines() if line.strip()],
            "updated_on": self.updated_on.data.isoformat() if self.updated_on.data else None,
            "source_url": self.source_url.data or "",
        }


class ArticleStatusForm(Form):
    """Publish, archive or unpublish."""

    status = SelectField(_l("Statut"), choices=select_choices([
        ("published", _l("Publier")), ("archived", _l("Archiver")), ("draft", _l("Repasser en brouillon"))]))


class ReferenceAmendedForm(Form):
    """A legal reference a jurist marks as amended, with an optional note."""

    reference = StringField(_l("Référence modifiée"), validators=[DataRequired(_l("Indiquez la référence.")), AtMost(200)],
                            description=_l("Par exemple : L5132-5, art. L. 5132-5 ou C. trav. L5132-5."))
    note = StringField(_l("Note pour les juristes"), validators=[AtMost(300)],
                       description=_l("Par exemple : modifié par le décret du 30 décembre 2025."))


class ReviewedForm(Form):
    """« Marquer comme vérifiée » (the CSRF token is the only field)."""
