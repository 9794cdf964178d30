"""Forms of the knowledge-base area."""
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from helpdesk.attachments.forms import attachments_field
from helpdesk.kb.services import BODY_MAX, TITLE_MAX
from helpdesk.main.forms import Form
from helpdesk.models import ARTICLE_TYPES, VISIBILITIES


class ArticleForm(Form):
    """Write or edit a resource."""

    title = StringField("Titre", validators=[DataRequired("Indiquez un titre."),
                                             Length(max=TITLE_MAX, message=f"{TITLE_MAX} caractères au maximum.")])
    slug = StringField("Adresse (slug)", validators=[
        DataRequired("Indiquez l'adresse de la ressource."), Length(max=200, message="200 caractères au maximum."),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Lettres minuscules sans accent, chiffres et tirets uniquement.")],
        description="Par exemple : cdi-inclusion-seniors. Elle ne change plus après la création.")
    summary = TextAreaField("Résumé", validators=[Length(max=10_000, message="10 000 caractères au maximum.")])
    body = TextAreaField("Contenu (Markdown)", validators=[
        DataRequired("Le contenu est vide."), Length(max=BODY_MAX, message="Le contenu est trop long.")],
        description="Titres avec ##, listes avec -, liens avec [texte](https://…).")
    type = SelectField("Type", choices=list(ARTICLE_TYPES.items()))
    visibility = SelectField("Visibilité", choices=list(VISIBILITIES.items()), default="members")
    themes = SelectMultipleField("Thèmes", description="Ctrl ou Cmd pour en choisir plusieurs.")
    tags = StringField("Mots-clés", validators=[Length(max=500)], description="Séparés par des virgules.")
    legal_refs = TextAreaField("Références juridiques", validators=[Length(max=3000)],
                               description="Une par ligne, par exemple : C. trav. art. L5132-5")
    updated_on = DateField("À jour au", validators=[Optional()], description="Date de la dernière vérification juridique.")
    source_url = StringField("Source (adresse web)", validators=[Optional(), Length(max=500),
                             Regexp(r"^https?://", message="Une adresse commençant par http:// ou https:// est attendue.")])
    attachments = attachments_field("Fichiers à télécharger (modèles, supports)")
    submit = SubmitField("Enregistrer")

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

    status = SelectField("Statut", choices=[("published", "Publier"), ("archived", "Archiver"), ("draft", "Repasser en brouillon")])


class ReferenceAmendedForm(Form):
    """A legal reference a jurist marks as amended, with an optional note."""

    reference = StringField("Référence modifiée", validators=[DataRequired("Indiquez la référence."), Length(max=200)],
                            description="Par exemple : L5132-5, art. L. 5132-5 ou C. trav. L5132-5.")
    note = StringField("Note pour les juristes", validators=[Length(max=300, message="300 caractères au maximum.")],
                       description="Par exemple : modifié par le décret du 30 décembre 2025.")


class ReviewedForm(Form):
    """« Marquer comme vérifiée » (the CSRF token is the only field)."""
