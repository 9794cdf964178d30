"""Fixtures of the search core tests: a small French corpus indexed in a temporary directory."""

import sys
import types
from datetime import datetime
from pathlib import Path

import pytest

# helpdesk/__init__.py builds the Flask app; the search core must not need it,
# so when Flask is not importable the package is mounted without running it.
REPO_ROOT = Path(__file__).resolve().parents[2]
try:
    import helpdesk  # noqa: F401
except ImportError:
    package = types.ModuleType("helpdesk")
    package.__path__ = [str(REPO_ROOT / "helpdesk")]
    sys.modules["helpdesk"] = package

from helpdesk.search import rebuild  # noqa: E402


def indexed(tmp_path, articles):
    """Index ``articles`` into a new article index under ``tmp_path`` and return its path."""
    path = tmp_path / "articles"
    rebuild(path, "articles", articles, procs=1)
    return path


def make_article(slug, title, body, **overrides):
    """Return an article dict with public/published defaults."""
    article = {
        "slug": slug,
        "title": title,
        "summary": "",
        "body": body,
        "tags": [],
        "type": "fiche",
        "themes": [],
        "visibility": "public",
        "status": "published",
        "updated_on": datetime(2024, 1, 1),
        "version": "1",
    }
    article.update(overrides)
    return article


ARTICLES = [
    make_article(
        "contrat-pro",
        "Le contrat de professionnalisation",
        "Les salariés en contrat de professionnalisation alternent formation et travail en entreprise.",
        themes=["contrat", "formation"],
        updated_on=datetime(2024, 3, 1),
    ),
    make_article(
        "activite-partielle",
        "Activité partielle",
        "L'employeur peut placer ses salariés en activité partielle en cas de baisse d'activité.",
        themes=["chômage"],
        legal_refs=["L5122-1"],
    ),
    make_article(
        "duerp",
        "Évaluation des risques",
        "L'employeur rédige le document unique d'évaluation des risques professionnels (art. L. 4121-3).",
        type="loi",
        themes=["santé"],
        updated_on=datetime(2023, 6, 1),
    ),
    make_article(
        "script",
        "Alerte de sécurité",
        "Un salarié a reçu <script>alert('x')</script> dans un courriel de sécurité.",
        themes=["santé"],
        visibility="members",
    ),
    make_article(
        "preavis-demission",
        "Préavis de démission",
        "La durée du préavis de démission dépend de la convention collective.",
        themes=["rupture"],
    ),
    make_article(
        "jurists-only",
        "Note interne sur la démission",
        "Stratégie contentieuse confidentielle concernant la démission et le préavis.",
        type="note",
        themes=["interne"],
        visibility="jurists",
    ),
    make_article(
        "draft",
        "Brouillon sur la démission",
        "Texte en cours de rédaction sur la démission.",
        status="draft",
    ),
]

MEMBER = {"visibilities": ["public", "members"], "statuses": ["published"]}


@pytest.fixture
def articles_path(tmp_path):
    """Index the sample articles and return the index path."""
    path = tmp_path / "articles"
    rebuild(path, "articles", ARTICLES, procs=1)
    return path
