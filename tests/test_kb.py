"""Knowledge base: articles, visibility in search, index sync and repair, import/export, CLI."""
import html
import io
import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, Schema

from helpdesk import search
from helpdesk.errors import Forbidden, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.i18n import PARIS
from helpdesk.kb import indexing, services
from helpdesk.kb.indexing import index_path
from helpdesk.markup import render_markdown, render_message
from helpdesk.models import Article, SearchChange, SearchLog, SuggestionClick
from helpdesk.models._types import frozen_time
from tests.factories import error_banner, make_theme, pdf_bytes, png_bytes, without_return_address


def add_article(slug, title, body, *, visibility="public", status="published", themes=(), type="decryptage", **extra):
    """Create an article through the import path and return it."""
    report = services.import_articles([json.dumps({
        "slug": slug, "title": title, "body": body, "visibility": visibility, "status": status,
        "themes": list(themes), "type": type, **extra})])
    assert not report.errors, report.errors
    return db.session.scalar(db.select(Article).where(Article.slug == slug))


@pytest.fixture
def library(world):
    """Four articles of every visibility and status, indexed."""
    make_theme(name="Activité partielle", slug="activite-partielle")
    add_article("cddi-renouvellement", "Renouvellement du CDDI", "Le contrat à durée déterminée d'insertion des salariés.",
                visibility="public", themes=["reforme-iae"], legal_refs=["C. trav. art. L5132-5"])
    add_article("activite-partielle-membres", "Activité partielle en chantier d'insertion",
                "Les salariés en insertion peuvent bénéficier de l'activité partielle.", visibility="members",
                themes=["activite-partielle"])
    add_article("doctrine-secrete", "Doctrine interne sur les salariés", "Réponses types confidentielles des juristes.",
                visibility="jurists", type="faq")
    add_article("brouillon-salaries", "Brouillon sur les salariés", "Texte en cours de rédaction sur les salariés.",
                status="draft")
    indexing.sync()
    return world


def slugs(response):
    """Slugs of the result links on a search page."""
    text = response.get_data(as_text=True)
    return {slug for slug in ("cddi-renouvellement", "activite-partielle-membres", "doctrine-secrete",
                              "brouillon-salaries") if f"/ressources/{slug}\"" in text}


def test_anonymous_search_shows_only_public_published_articles(client, library):
    """Anonymous visitors see public resources only."""
    response = client.get("/ressources/?q=salariés")
    assert response.status_code == 200
    assert slugs(response) == {"cddi-renouvellement"}


def test_member_search_never_shows_jurists_only_articles_or_drafts(client, library, login):
    """Members see public and members' resources, never jurists' ones nor drafts, even in facets."""
    login(library.member)
    response = client.get("/ressources/?q=salaries")
    assert slugs(response) == {"cddi-renouvellement", "activite-partielle-membres"}
    text = response.get_data(as_text=True)
    assert "FAQ" not in text.split('aria-label="Affiner la recherche"')[1].split("</aside>")[0]
    assert client.get("/ressources/doctrine-secrete").status_code == 404
    assert client.get("/ressources/brouillon-salaries").status_code == 404


@pytest.mark.parametrize("page", ["%C2%B2", "%D9%A3", "-1", "abc", "99999999999999999999"])
def test_malformed_or_huge_search_page_shows_the_first_page(client, library, page):
    """Digits that are not ASCII (², Arabic-Indic) are no page number either: the first page, never an error."""
    response = client.get(f"/ressources/?q=salariés&page={page}")
    assert response.status_code == 200 and slugs(response) == {"cddi-renouvellement"}


@pytest.mark.parametrize("page", ["3", "999", "5000"])
def test_search_page_past_the_end_shows_the_last_page_like_the_queue(app, client, library, login, page):
    """A page number past the end (an old bookmark, a shrunk result list) shows the last page, as the queue does;
    from 1000 on it used to show the first page instead."""
    app.config["KB_PAGE_SIZE"] = 1
    login(library.member)
    text = client.get(f"/ressources/?q=salaries&page={page}").get_data(as_text=True)
    assert "Page 2 sur 2 (2 résultats)" in text and "Page précédente" in text and "Page suivante" not in text


def test_search_pages_say_how_many_pages_and_results_like_other_lists(app, client, library, login):
    """« Page 2 sur 2 (2 résultats) », as in the queue and the members' lists (it said « Page 2 » alone)."""
    app.config["KB_PAGE_SIZE"] = 1
    login(library.member)
    text = client.get("/ressources/?q=salaries&page=2").get_data(as_text=True)
    assert "Page 2 sur 2 (2 résultats)" in text and "Page précédente" in text and "Page suivante" not in text
    assert "Page 1 sur 2 (2 résultats)" in client.get("/ressources/?q=salaries&page=abc").get_data(as_text=True)


def test_a_resource_leads_back_to_the_search_it_was_opened_from(app, client, library, login):
    """« ← Ressources juridiques » went to the empty search page: the words typed, the filters and the page were
    lost on the way back from a result."""
    app.config["KB_PAGE_SIZE"] = 1
    login(library.member)
    assert '<a href="/ressources/">← Ressources juridiques</a>' in client.get(
        "/ressources/cddi-renouvellement").get_data(as_text=True)
    client.get("/ressources/?q=salaries&type=decryptage&page=2")
    page = client.get("/ressources/cddi-renouvellement").get_data(as_text=True)
    assert '<a href="/ressources/?q=salaries&amp;type=decryptage&amp;page=2">← Ressources juridiques</a>' in page


def test_the_way_back_to_a_search_keeps_a_question_mark_typed_at_the_end_of_the_address(client, library, login):
    """« ?q=salariés? » typed in the address bar: the « ? » ending the words searched was cut off the way back."""
    login(library.member)
    client.get("/ressources/?q=salaries?")
    page = client.get("/ressources/cddi-renouvellement").get_data(as_text=True)
    assert '<a href="/ressources/?q=salaries?">← Ressources juridiques</a>' in page


def test_member_cannot_widen_visibility_with_statut_parameter(client, library, login):
    """Asking for drafts in the URL does not show them to a member."""
    login(library.member)
    response = client.get("/ressources/?q=salariés&statut=draft&statut=archived")
    assert "brouillon-salaries" not in slugs(response)


def test_jurist_sees_everything_and_drafts_on_request(client, library, login):
    """Jurists find jurists-only resources, and drafts when they ask for them."""
    login(library.jurist)
    assert "doctrine-secrete" in slugs(client.get("/ressources/?q=salariés"))
    assert "brouillon-salaries" in slugs(client.get("/ressources/?q=salariés&statut=draft"))
    assert client.get("/ressources/brouillon-salaries").status_code == 200


def test_a_selection_with_no_resource_says_so_without_blank_facets(client, library, login):
    """Archived resources, when there are none: « Aucune ressource dans cette sélection. » (not « Essayez d'autres
    mots » to someone who typed none), no empty « Type » and « Thème » headings, and statuses without « (—) »."""
    login(library.jurist)
    text = client.get("/ressources/?statut=archived").get_data(as_text=True)
    assert "Aucune ressource dans cette sélection." in text and "Essayez d'autres mots" not in text
    facets = text.split('aria-label="Affiner la recherche"')[1].split("</aside>")[0]
    assert "<h2>Type</h2>" not in facets and "<h2>Thème</h2>" not in facets
    assert "(—)" not in facets and "Archivé" in facets
    words = client.get("/ressources/?q=zzzqqq").get_data(as_text=True)
    assert "Essayez d'autres mots" in words and "Aucune ressource dans cette sélection." not in words


def test_a_filter_without_words_counts_what_it_keeps_not_all_resources(client, library, login):
    """« Flash info » in the menu opens the resources filtered by type: the heading said « Toutes les ressources »
    above a filtered list; it now says the filters kept them, and the unfiltered list still says « Toutes »."""
    login(library.member)
    filtered = client.get("/ressources/?theme=activite-partielle").get_data(as_text=True)
    assert "1 ressource correspond aux filtres" in filtered and "Toutes les ressources" not in filtered
    assert "Toutes les ressources (2)" in client.get("/ressources/").get_data(as_text=True)


def test_search_matches_accents_case_and_plurals(client, library, login):
    """'SALARIE' finds texts about 'salariés'."""
    login(library.member)
    assert "activite-partielle-membres" in slugs(client.get("/ressources/?q=SALARIE"))


def test_a_misspelt_search_says_which_word_it_searched_instead(client, library, login):
    """« renouvelemnt » finds the CDDI resource and the page says it was searched as « renouvellement »; a search
    spelt right says nothing of the kind."""
    login(library.member)
    response = client.get("/ressources/?q=renouvelemnt")
    assert slugs(response) == {"cddi-renouvellement"}
    text = html.unescape(response.get_data(as_text=True))
    assert "cherchés sous l'orthographe la plus proche" in text and "« renouvellement » pour « renouvelemnt »" in text
    spelt_right = html.unescape(client.get("/ressources/?q=renouvellement").get_data(as_text=True))
    assert "orthographe la plus proche" not in spelt_right


def test_a_french_word_no_resource_writes_is_not_respelled(client, library, login):
    """« orage », which no resource writes, is not searched as « orange »: the page says nothing matched, with no
    « Vouliez-vous dire » and no « orthographe la plus proche » notice; the typo « licenciment » still finds the
    resource on « licenciement » and says so."""
    add_article("fruits", "Corbeille de fruits", "Une orange offerte à chaque salarié.")
    add_article("licenciement", "Licenciement pour motif personnel", "La procédure de licenciement.")
    indexing.sync()
    login(library.member)
    page = html.unescape(client.get("/ressources/?q=orage").get_data(as_text=True))
    assert "Aucune ressource ne correspond" in page
    assert "Vouliez-vous dire" not in page and "orthographe la plus proche" not in page and "orange" not in page
    typo = html.unescape(client.get("/ressources/?q=licenciment").get_data(as_text=True))
    assert '/ressources/licenciement"' in typo and "« licenciement » pour « licenciment »" in typo


def test_colloquial_and_unaccented_words_find_the_resource(client, library, login):
    """A member typing « viré » or « mon patron m'a mis à la porte » finds the resource on « licenciement », and
    « salarie licencie », typed without accents, finds it too, with no spelling notice."""
    add_article("licenciement", "Licenciement pour motif personnel", "Le salarié licencié perçoit une indemnité.")
    indexing.sync()
    login(library.member)
    for query in ("viré", "mon patron m'a mis à la porte", "salarie licencie"):
        page = html.unescape(client.get("/ressources/", query_string={"q": query}).get_data(as_text=True))
        assert '/ressources/licenciement"' in page and "orthographe la plus proche" not in page, query


def test_a_search_finds_a_verb_and_an_ordinal_written_another_way(client, library, login):
    """A member searching « publier » finds the resource titled « Décret publié », and « premier mai » the one on
    the « 1er mai », with no « orthographe la plus proche » notice."""
    add_article("decret-publie", "Décret publié sur l'insertion", "Le texte entre en vigueur.")
    add_article("premier-mai", "Travailler le 1er mai", "Le 1er mai est férié et chômé.")
    indexing.sync()
    login(library.member)
    for query, slug in (("publier", "decret-publie"), ("premier mai", "premier-mai")):
        text = html.unescape(client.get("/ressources/", query_string={"q": query}).get_data(as_text=True))
        assert f"/ressources/{slug}\"" in text and "orthographe la plus proche" not in text, query


def test_search_highlights_and_facets_filter(client, library, login):
    """Snippets highlight the words; a theme facet narrows the results."""
    login(library.member)
    response = client.get("/ressources/?q=insertion")
    assert "<mark" in response.get_data(as_text=True)
    filtered = client.get("/ressources/?q=insertion&theme=activite-partielle")
    assert slugs(filtered) == {"activite-partielle-membres"}


def test_snippets_read_as_the_text_without_its_markdown_marks(client, library, login):
    """Bold words left a space before the next full stop or colon in a snippet (« est à vérifier . Rupture : »);
    marks between two words (a table's cell border, a snake_case name) still part them."""
    add_article("points-vigilance", "Points de vigilance", "- **Durée** : le régime des ACI est **à vérifier**.\n"
                "- **Rupture** : droit commun.\n\n| cellule|voisine |\n|---|---|", visibility="public")
    indexing.sync()
    login(library.member)
    page = html.unescape(client.get("/ressources/?q=régime").get_data(as_text=True))
    snippet = " ".join(re.sub(r"</?mark[^>]*>", "", page.split("/ressources/points-vigilance")[1]).split())
    assert "est à vérifier. Rupture : droit commun." in snippet
    assert "cellule voisine" in snippet and "*" not in snippet.split("</p>")[0]


def test_a_chosen_filter_that_leaves_nothing_stays_listed_to_be_removed(client, library, login):
    """Filters kept while the words changed left no result and no facet: the page showed empty « Type » and « Thème »
    headings and said only to try other words, the filter that emptied it nowhere to be seen or removed."""
    login(library.member)
    page = client.get("/ressources/?q=licorne&theme=activite-partielle").get_data(as_text=True)
    assert "Aucune ressource ne correspond avec les filtres choisis : retirez-en un ou essayez d'autres mots" in page
    facets = page.split('class="facets"')[1].split("</aside>")[0]
    assert "<h2>Type</h2>" not in facets and "<h2>Thème</h2>" in facets
    assert "Retirer le filtre" in facets and "Activité partielle <span class=\"count\">(0)</span>" in facets
    assert 'href="/ressources/?q=licorne"' in facets
    plain = client.get("/ressources/?q=licorne").get_data(as_text=True)
    assert "Aucune ressource ne correspond. Essayez d'autres mots" in plain and "<h2>Thème</h2>" not in plain


def test_no_result_is_said_in_a_sentence_not_as_an_item_of_the_results_list(client, library, login):
    """« 0 résultat » was followed by a numbered list holding one item, « Aucune ressource ne correspond… »: a screen
    reader announced a list of one result. The sentence is a paragraph, with its link to ask the question."""
    login(library.member)
    page = client.get("/ressources/?q=licorne").get_data(as_text=True)
    assert 'class="hits"' not in page
    assert ("<p>Aucune ressource ne correspond. Essayez d'autres mots, ou <a href=\"/questions/nouvelle\">posez votre "
            "question à l'équipe juridique</a>.</p>") in html.unescape(page)
    assert '<ol class="hits">' in client.get("/ressources/?q=insertion").get_data(as_text=True)


@pytest.mark.parametrize("query, shown, message, cleaned", [
    ("theme=abc", {"cddi-renouvellement", "activite-partielle-membres"},
     "Un filtre de l'adresse n'existe pas : il est ignoré.", "/ressources/"),
    ("type=zzz&q=insertion", {"cddi-renouvellement", "activite-partielle-membres"},
     "Un filtre de l'adresse n'existe pas : il est ignoré.", "/ressources/?q=insertion"),
    ("theme=activite-partielle&theme=abc", {"activite-partielle-membres"},
     "Un filtre de l'adresse n'existe pas : il est ignoré.", "/ressources/?theme=activite-partielle"),
    ("statut=zz&type=faq&type=poème&tri=<b>x</b>", set(), "3 filtres de l'adresse n'existent pas : ils sont ignorés.",
     "/ressources/?type=faq"),
])
def test_unknown_filter_values_are_dropped_from_the_address_and_never_shown_back(client, library, login, query,
                                                                                  shown, message, cleaned):
    """A hand-edited or outdated address: its unknown facet values are left out (never 0 results because of them),
    with a message counting them; the values themselves (anything a visitor was made to open) are never shown back,
    neither as a filter, nor in a link, nor in the message."""
    login(library.member)
    response = client.get(f"/ressources/?{query}")
    assert response.status_code == 302 and response.headers["Location"] == cleaned
    page = client.get(cleaned)
    assert page.status_code == 200 and slugs(page) == shown
    text = html.unescape(without_return_address(page.get_data(as_text=True)))
    assert message in text
    assert not any(value in text for value in ("abc", "zzz", "poème", "zz\"", "<b>x</b>"))


def test_known_filters_and_hostile_values_give_no_warning_or_error(client, library, login):
    login(library.member)
    page = client.get("/ressources/?theme=activite-partielle&type=&theme=").get_data(as_text=True)
    assert "ignoré" not in page
    response = client.get("/ressources/", query_string={"theme": ["a\x00b" * 100], "type": ["<script>"]},
                          follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "&lt;script&gt;" not in text and "%3Cscript" not in text


def test_search_logs_queries_with_their_result_count(client, library):
    """A search that finds nothing is logged (content to write next)."""
    client.get("/ressources/?q=licorne")
    log = db.session.scalar(db.select(SearchLog).where(SearchLog.query == "licorne"))
    assert log is not None and log.results == 0


def test_a_search_reloaded_or_sorted_again_is_logged_once(app, client, library):
    """Reloading the results, or sorting them, does not log the same search again; another search does."""
    for url in ("/ressources/?q=licorne", "/ressources/?q=licorne", "/ressources/?q=Licorne &tri=date",
                "/ressources/?q=cddi", "/ressources/?q=licorne"):
        client.get(url)
    app.test_client().get("/ressources/?q=licorne")  # another visitor
    logged = db.session.scalars(db.select(SearchLog.query).order_by(SearchLog.id)).all()
    assert logged == ["licorne", "cddi", "licorne", "licorne"]


@pytest.mark.parametrize("query", ["🙂", "*", "%", "de la", "\\"])
def test_query_without_searchable_words_says_so_and_lists_every_resource(client, library, login, query):
    """Symbols or stop words alone: the page says nothing could be searched, browses, and logs no search."""
    login(library.member)
    response = client.get("/ressources/", query_string={"q": query})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ne contient aucun mot à chercher" in text
    assert "Toutes les ressources (2)" in text and "résultats pour" not in text
    assert slugs(response) == {"cddi-renouvellement", "activite-partielle-membres"}
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchLog)) == 0


def test_hostile_query_syntax_does_not_crash(client, library):
    """Operators and odd characters are treated as plain words."""
    for query in ['"', "AND OR NOT", "title:(", "*", "salari~", "((((", "<script>"]:
        assert client.get("/ressources/", query_string={"q": query}).status_code == 200


def test_suggestions_fragment_respects_visibility(client, library, login):
    """Suggestions while typing never include jurists-only resources."""
    login(library.member)
    response = client.get("/ressources/suggestions", query_string={
        "subject": "Réponses types des juristes", "body": "doctrine confidentielle salariés insertion"})
    assert response.status_code == 200
    assert "doctrine-secrete" not in response.get_data(as_text=True)


def test_new_question_form_shows_suggestions_without_javascript(client, library, login):
    """The 'see resources' button shows matching resources without filing the question."""
    login(library.member)
    response = client.post("/questions/nouvelle", data={
        "subject": "Activité partielle", "body": "Nos salariés en insertion peuvent-ils être en activité partielle ?",
        "theme": library.theme.id, "priority": 1, "suggest": "1"})
    text = response.get_data(as_text=True)
    assert "Ces ressources répondent peut-être" in text
    assert "activite-partielle-membres" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["ticket"])) == 0


def test_opening_a_suggestion_is_recorded_for_deflection_statistics(client, library, login):
    """A member opening a suggested resource leaves a trace."""
    login(library.member)
    client.get("/ressources/activite-partielle-membres?depuis=suggestion")
    assert db.session.scalar(db.select(db.func.count()).select_from(SuggestionClick)) == 1


def test_a_suggestion_opened_again_in_the_same_session_counts_once(client, library, login):
    """Reloading it, or a link from elsewhere followed again and again, does not inflate the deflection figures."""
    login(library.member)
    for _ in range(3):
        assert client.get("/ressources/activite-partielle-membres?depuis=suggestion").status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(SuggestionClick)) == 1
    login(library.member)
    client.get("/ressources/activite-partielle-membres?depuis=suggestion")
    assert db.session.scalar(db.select(db.func.count()).select_from(SuggestionClick)) == 2, "a new session counts"


def test_article_markdown_is_sanitised(client, library, login):
    """Scripts, event handlers and javascript: links never reach the page."""
    add_article("piege", "Piège", "<script>alert(1)</script>\n\n[clic](javascript:alert(2)) <img src=x onerror=alert(3)>")
    login(library.member)
    text = client.get("/ressources/piege").get_data(as_text=True)
    assert "<script>alert" not in text and "javascript:" not in text and "onerror" not in text


def test_an_articles_table_scrolls_in_a_region_named_after_its_heading_with_column_headers(client, library, login):
    """A Markdown table had neither column headers for screen readers nor a scrolling region (its cells cut every
    word on a phone): each header cell heads its column and each table scrolls in a focusable region named after
    the heading above it; a table typed in a message or a mail's copy of the article get no region."""
    add_article("duer", "Trame de DUER", "## Unités de travail & « lieux »\n\n| Unité | Lieu |\n|---|---|\n"
                "| Atelier | [local] |\n\nTexte.\n\n| Risque |\n|---|\n| Coupures |\n")
    login(library.member)
    page = client.get("/ressources/duer").get_data(as_text=True)
    assert ('<div class="table-scroll" role="region" aria-label="Tableau 1 : Unités de travail &amp; « lieux »" '
            'tabindex="0"><table>\n<thead>\n<tr>\n<th scope="col">Unité</th>\n<th scope="col">Lieu</th>') in page
    assert 'aria-label="Tableau 2 : Unités de travail &amp; « lieux »" tabindex="0"><table>' in page
    assert page.count("</table></div>") == 2
    assert "table-scroll" not in render_markdown("| a |\n|---|\n| 1 |", "https://juridique.example")
    assert "table-scroll" not in render_message("| a |\n|---|\n| 1 |")


def test_jurist_writes_publishes_and_archives_an_article(client, library, login):
    """Drafts are invisible to members until published, and again once archived."""
    login(library.jurist)
    response = client.post("/ressources/nouvelle", data={
        "title": "Clause sociale", "slug": "clause-sociale", "body": "Les marchés réservés aux SIAE.",
        "type": "decryptage", "visibility": "members", "themes": ["activite-partielle"],
        "tags": "marchés, clause", "legal_refs": "CCP art. L2113-13\nCCP art. L2112-2"})
    assert response.status_code == 302
    article = db.session.scalar(db.select(Article).where(Article.slug == "clause-sociale"))
    assert article.status == "draft" and article.legal_refs == ["CCP art. L2113-13", "CCP art. L2112-2"]
    login(library.member)
    assert client.get("/ressources/clause-sociale").status_code == 404
    login(library.jurist)
    page = client.post("/ressources/clause-sociale/statut", data={"status": "published"}, follow_redirects=True)
    assert "la ressource est publiée." in page.get_data(as_text=True)
    login(library.member)
    assert client.get("/ressources/clause-sociale").status_code == 200
    assert "clause-sociale" in client.get("/ressources/?q=marchés réservés").get_data(as_text=True)
    login(library.jurist)
    page = client.post("/ressources/clause-sociale/statut", data={"status": "archived"}, follow_redirects=True)
    assert "la ressource est archivée." in page.get_data(as_text=True)
    page = client.post("/ressources/clause-sociale/statut", data={"status": "draft"}, follow_redirects=True)
    assert "la ressource est repassée en brouillon." in page.get_data(as_text=True)
    login(library.member)
    assert client.get("/ressources/clause-sociale").status_code == 404


def test_a_resource_status_menu_starts_at_choose_and_an_empty_choice_changes_nothing(client, library, login):
    """The menu of a published resource opened on « Archiver »: a careless « Appliquer » took it away from members.
    It opens on « Choisissez un statut » now, and sent as is it is refused, the resource still published."""
    login(library.jurist)
    page = client.get("/ressources/cddi-renouvellement").get_data(as_text=True)
    menu = re.search(r'<select id="status" name="status">(.*?)</select>', page, re.S).group(1)
    assert re.match(r'\s*<option value="">Choisissez un statut</option>\s*<option value="archived">', menu), menu
    page = client.post("/ressources/cddi-renouvellement/statut", data={"status": ""}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "choisissez le nouveau statut. Rien n&#39;a été enregistré." in text
    assert db.session.scalar(db.select(Article.status).where(Article.slug == "cddi-renouvellement")) == "published"


def test_a_draft_resource_is_published_with_one_button_and_the_menu_keeps_the_other_changes(client, library, login):
    """Publishing a draft took « Publiée » in the status menu, then « Appliquer »: the page of a draft now has a
    « Publier » button; its menu offers the other changes (archive), and a published resource has no such button."""
    login(library.jurist)
    page = client.get("/ressources/brouillon-salaries").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/ressources/brouillon-salaries/statut"[^>]*>(.*?)</form>', page,
                       re.S)
    assert len(forms) == 2
    button, menu = forms
    assert '<input type="hidden" name="status" value="published">' in button
    assert re.search(r'<button type="submit">Publier</button>', button)
    assert re.findall(r'<option value="(\w*)"', menu) == ["", "archived"]
    page = client.post("/ressources/brouillon-salaries/statut", data={"status": "published"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "la ressource est publiée." in text and ">Publier</button>" not in text
    assert re.findall(r'<option value="(\w*)"', text.split('<select id="status"', 1)[1].split("</select>")[0]) == [
        "", "archived", "draft"]
    assert db.session.scalar(db.select(Article.status).where(Article.slug == "brouillon-salaries")) == "published"


def test_a_theme_posted_twice_is_kept_once(client, library, login):
    login(library.jurist)
    response = client.post("/ressources/nouvelle", data={
        "title": "Clause sociale", "slug": "clause-sociale", "body": "Les marchés réservés aux SIAE.",
        "type": "decryptage", "visibility": "members", "themes": ["activite-partielle", "activite-partielle"]})
    assert response.status_code == 302
    article = db.session.scalar(db.select(Article).where(Article.slug == "clause-sociale"))
    assert [theme.slug for theme in article.themes] == ["activite-partielle"]


def test_a_refused_resource_field_shows_one_message(client, library, login):
    """A slug pasted from a long title is both too long and badly formed: the field says the first problem only,
    and what was typed stays in the form."""
    login(library.jurist)
    slug = "Renouvellement du CDDI " * 10
    page = client.post("/ressources/nouvelle", data={
        "title": "Clause sociale", "slug": slug, "body": "Les marchés réservés aux SIAE.",
        "type": "decryptage", "visibility": "members", "themes": ["activite-partielle"]}).get_data(as_text=True)
    error = page.split('id="slug-error">')[1].split("</p>")[0].strip()
    assert error == "200 caractères au maximum (votre texte en compte 230)."
    assert 'value="Clause sociale"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Article).where(Article.title == "Clause sociale")) == 0


def test_editing_a_resource_keeps_a_theme_retired_since(client, library, login):
    """The edit form offered active themes only: saving silently dropped the retired theme from the resource."""
    library.theme.active = False
    db.session.commit()
    login(library.jurist)
    page = client.get("/ressources/cddi-renouvellement/modifier").get_data(as_text=True)
    assert ('<input checked id="themes-1" name="themes" type="checkbox" value="reforme-iae"> '
            'Réforme IAE (thème retiré)</label>') in page
    assert "Réforme IAE" not in client.get("/ressources/nouvelle").get_data(as_text=True)
    response = client.post("/ressources/cddi-renouvellement/modifier", data={
        "title": "Renouvellement du CDDI", "slug": "cddi-renouvellement", "body": "Texte revu.", "type": "decryptage",
        "visibility": "public", "themes": ["reforme-iae", "activite-partielle"], "summary": "", "tags": "",
        "legal_refs": "", "updated_on": "", "source_url": ""})
    assert response.status_code == 302
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    assert sorted(theme.slug for theme in article.themes) == ["activite-partielle", "reforme-iae"]


def _edit_resource(client, themes: list[str]):
    """Post the edit form of « Renouvellement du CDDI » with the given themes checked."""
    return client.post("/ressources/cddi-renouvellement/modifier", data={
        "title": "Renouvellement du CDDI", "slug": "cddi-renouvellement", "body": "Texte revu.", "type": "decryptage",
        "visibility": "public", "themes": themes, "summary": "", "tags": "", "legal_refs": "", "updated_on": "",
        "source_url": ""})


def test_resource_themes_are_check_boxes_in_a_fieldset(client, library, login):
    """The themes were a multiple select (Ctrl or Cmd to choose several, the chosen ones hidden once scrolled): they
    are now check boxes under a « Thèmes » legend, the resource's own checked."""
    login(library.jurist)
    page = client.get("/ressources/cddi-renouvellement/modifier").get_data(as_text=True)
    group = re.search(r'<fieldset class="checkboxes">\s*<legend>Thèmes</legend>.*?</fieldset>', page, re.S).group(0)
    assert ('<label class="choice"><input id="themes-0" name="themes" type="checkbox" value="activite-partielle"> '
            'Activité partielle</label>') in group
    assert '<input checked id="themes-1" name="themes" type="checkbox" value="reforme-iae">' in group
    assert 'name="themes" multiple' not in page and "Ctrl ou Cmd" not in page


def test_saving_a_resource_with_two_themes_checked_keeps_both(client, library, login):
    """Two boxes checked, two themes on the resource; none checked, none left."""
    login(library.jurist)
    assert _edit_resource(client, ["activite-partielle", "reforme-iae"]).status_code == 302
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    assert sorted(theme.slug for theme in article.themes) == ["activite-partielle", "reforme-iae"]
    assert _edit_resource(client, []).status_code == 302
    db.session.refresh(article)
    assert article.themes == []


def test_an_unknown_theme_is_refused_in_french_and_changes_nothing(client, library, login):
    """A theme the form does not offer (a page left open while it was deleted, a forged post) refuses the whole
    form, under the themes' fieldset; the resource keeps its text and its themes."""
    login(library.jurist)
    response = _edit_resource(client, ["activite-partielle", "theme-inconnu"])
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Choisissez des valeurs parmi celles proposées pour « Thèmes »." in page
    assert 'Voyez l\'erreur sous « <a href="#themes-0">Thèmes</a> ».' in page.replace("\xa0", " ")
    assert '<fieldset class="checkboxes" aria-describedby="themes-error">' in page
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    db.session.refresh(article)
    assert [theme.slug for theme in article.themes] == ["reforme-iae"] and article.body != "Texte revu."


def test_anonymous_searches_beyond_the_rate_get_a_french_429_page_but_members_do_not(app, client, library, login):
    """A script searching without logging in is stopped (searches and suggestions share one budget); a logged-in
    member reading at any pace is not."""
    app.config["ANONYMOUS_SEARCH_RATE_LIMIT"] = "3 per minute"
    assert client.get("/ressources/?q=salariés").status_code == 200
    assert client.get("/ressources/suggestions?subject=contrat").status_code == 200
    assert client.get("/ressources/?q=insertion").status_code == 200
    refused = client.get("/ressources/?q=contrat")
    assert refused.status_code == 429 and "Trop de" in refused.get_data(as_text=True)
    assert client.get("/ressources/cddi-renouvellement").status_code == 200, "reading a resource is not limited"
    login(library.member)
    assert all(client.get(f"/ressources/?q=contrat{number}").status_code == 200 for number in range(5))


def test_a_posted_edit_form_missing_optional_fields_is_saved_not_a_server_error(client, library, login):
    """A hand-made post without « Références », « Mots-clés » or « Thèmes » used to answer 500 (the resource's stored
    lists taken as the fields' text); what was not posted is empty."""
    login(library.jurist)
    response = client.post("/ressources/cddi-renouvellement/modifier", data={
        "title": "Renouvellement du CDDI", "slug": "cddi-renouvellement", "body": "Texte revu.", "type": "decryptage",
        "visibility": "public"})
    assert response.status_code == 302
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    assert article.body == "Texte revu." and not article.legal_refs and not article.themes


@pytest.mark.parametrize("title", ["", "Clause sociale"])
def test_refused_resource_form_names_the_files_to_attach_again(client, library, login, title):
    """A resource form sent back (a missing title, a refused file) dropped the chosen files without a word."""
    login(library.jurist)
    files = [(io.BytesIO(pdf_bytes()), "modele-dpae.pdf")] + ([(io.BytesIO(png_bytes()), "modele.docx")] if title else [])
    response = client.post("/ressources/nouvelle", content_type="multipart/form-data", data={
        "title": title, "slug": "", "body": "Les marchés réservés aux SIAE.", "type": "template",
        "visibility": "members", "attachments": files})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Les marchés réservés aux SIAE." in page
    assert "Joignez de nouveau votre fichier : modele-dpae.pdf" in page  # with a title, modele.docx was refused
    assert db.session.scalar(db.select(db.func.count()).select_from(Article).where(Article.title == title)) == 0
    edit = client.post("/ressources/cddi-renouvellement/modifier", content_type="multipart/form-data", data={
        "title": "", "body": "Texte revu.", "type": "decryptage", "visibility": "public",
        "attachments": [(io.BytesIO(pdf_bytes()), "avenant.pdf")]})
    assert "Joignez de nouveau votre fichier : avenant.pdf" in edit.get_data(as_text=True)


def test_a_new_resource_has_no_type_until_the_jurist_chooses_one(client, library, login):
    """The type menu opened on « Texte de loi ou décret », saved unnoticed on a décryptage: it opens on « Choisissez un
    type » now, a resource sent without a type is refused with the text kept, and an existing one shows its own."""
    login(library.jurist)
    page = client.get("/ressources/nouvelle").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="type"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.match(r'\s*<option (?:selected )?value="">Choisissez un type</option>', menu), menu
    response = client.post("/ressources/nouvelle", data={
        "title": "Cumul CDDI et CDI", "slug": "", "body": "Le cumul reste possible.", "type": "",
        "visibility": "members"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choisissez le type de la ressource." in page
    assert "Le cumul reste possible." in page and "Cumul CDDI et CDI" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Article).where(
        Article.title == "Cumul CDDI et CDI")) == 0
    page = client.get("/ressources/cddi-renouvellement/modifier").get_data(as_text=True)
    assert '<option selected value="decryptage">' in page


def test_the_resource_form_leads_back_like_the_flash_and_webinar_forms(client, library, login):
    """« Nouvelle ressource » and « Modifier » had no way back but the browser's, unlike the flash info and webinar
    forms: the new form leads back to the resources, the edit form to the resource."""
    login(library.jurist)
    page = client.get("/ressources/nouvelle").get_data(as_text=True)
    assert re.search(r'<a href="/ressources/[^"]*">← Ressources juridiques</a>', page)
    page = client.get("/ressources/cddi-renouvellement/modifier").get_data(as_text=True)
    assert '<a href="/ressources/cddi-renouvellement">← Retour à la ressource</a>' in page


def test_a_templates_files_come_before_its_text(client, library, login):
    """The file of a template was listed after its whole text, several screens down on a phone: a member looking for
    the document to download now finds it under the summary."""
    login(library.jurist)
    client.post("/ressources/nouvelle", content_type="multipart/form-data", data={
        "title": "Modèle de DPAE", "slug": "modele-dpae", "summary": "Une trame à compléter.",
        "body": "## Mode d'emploi\n\nComplétez chaque rubrique.", "type": "template", "visibility": "members",
        "attachments": [(io.BytesIO(pdf_bytes()), "modele-dpae.pdf")]})
    client.post("/ressources/modele-dpae/statut", data={"status": "published"})
    login(library.member)
    page = client.get("/ressources/modele-dpae").get_data(as_text=True)
    assert (page.index("Une trame à compléter.") < page.index("Fichiers à télécharger") < page.index("modele-dpae.pdf")
            < page.index("Complétez chaque rubrique."))


def test_resource_without_a_slug_gets_one_from_its_title(client, library, login):
    """Left empty, the address comes from the title, unaccented; the same title again (another resource) gets a « -2 »
    suffix, and a title that names a page of /ressources/ does not shadow it."""
    login(library.jurist)
    form = {"title": "Clause sociale : marchés réservés", "slug": "", "body": "Les marchés réservés aux SIAE.",
            "type": "decryptage", "visibility": "members"}
    first = client.post("/ressources/nouvelle", data=form)
    second = client.post("/ressources/nouvelle", data={**form, "body": "Les marchés réservés aux ESAT et aux SIAE."})
    reserved = client.post("/ressources/nouvelle", data={**form, "title": "Nouvelle"})
    assert first.headers["Location"] == "/ressources/clause-sociale-marches-reserves"
    assert second.headers["Location"] == "/ressources/clause-sociale-marches-reserves-2"
    assert reserved.headers["Location"] == "/ressources/nouvelle-2"
    page = client.get("/ressources/clause-sociale-marches-reserves-2").get_data(as_text=True)
    assert "Clause sociale : marchés réservés" in page


def test_explicit_slug_is_kept_and_a_taken_one_is_refused_in_french(client, library, login):
    """A typed address is used as is; one already used is refused with a French message and nothing is written."""
    login(library.jurist)
    form = {"title": "Clause sociale", "slug": "clauses", "body": "Les marchés réservés aux SIAE.",
            "type": "decryptage", "visibility": "members"}
    assert client.post("/ressources/nouvelle", data=form).headers["Location"] == "/ressources/clauses"
    before = db.session.scalar(db.select(db.func.count()).select_from(Article))
    page = client.post("/ressources/nouvelle", data={**form, "title": "Clauses sociales"},
                       follow_redirects=True).get_data(as_text=True)
    assert "une ressource existe déjà avec cette adresse (slug)." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == before


def test_a_reserved_address_typed_by_a_jurist_is_refused_with_the_fields_french_name(client, library, login):
    """« nouvelle » is the address of the « new resource » page: refused naming the field as the form does."""
    login(library.jurist)
    before = db.session.scalar(db.select(db.func.count()).select_from(Article))
    form = {"title": "Nouveautés 2026", "slug": "nouvelle", "body": "Texte.", "type": "decryptage",
            "visibility": "members"}
    page = html.unescape(client.post("/ressources/nouvelle", data=form, follow_redirects=True).get_data(as_text=True))
    assert ("« nouvelle » est déjà l'adresse d'une page du site. Choisissez une autre valeur pour « Adresse (slug) »."
            in error_banner(page))
    assert "« slug »" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == before


def test_import_errors_name_the_fields_in_french(library, runner, tmp_path):
    source = tmp_path / "import.jsonl"
    source.write_text("\n".join([
        json.dumps({"slug": "references", "title": "T", "body": "b"}),
        json.dumps({"slug": "sans-titre", "body": "Corps"}),
        json.dumps({"slug": "mauvais-type", "title": "T", "body": "b", "type": "poème"}),
        json.dumps({"slug": "mauvaise-date", "title": "T", "body": "b", "updated_on": "hier"}),
        json.dumps({"slug": "mots-cles", "title": "T", "body": "b", "tags": 3}),
    ]), encoding="utf-8")
    output = runner.invoke(args=["kb", "import", str(source)]).output
    for message in ("« references » est déjà l'adresse d'une page du site.",
                    "Le champ « Titre » est obligatoire.",
                    "« poème » n'est pas un type de ressource connu.",
                    "Le champ « À jour au » attend une date AAAA-MM-JJ.",
                    "Le champ « Mots-clés » attend une liste de textes."):
        assert message in output
    for english in ("slug :", "title :", "type :", "updated_on :", "tags :"):
        assert english not in output


def test_members_cannot_write_articles(client, library, login):
    """Writing resources is for jurists: members get 403 and nothing is written."""
    login(library.member)
    assert client.get("/ressources/nouvelle").status_code == 403
    response = client.post("/ressources/nouvelle", data={"title": "X", "slug": "x", "body": "y"})
    assert response.status_code == 403
    assert client.post("/ressources/cddi-renouvellement/statut", data={"status": "archived"}).status_code == 403
    with pytest.raises(Forbidden):
        services.save_article(None, {"slug": "x", "title": "X", "body": "y"}, library.member)


def test_bad_article_values_are_refused_with_a_french_message(library):
    """Invalid slug, type or duplicate slug: InvalidInput, nothing written."""
    for data in ({"slug": "Pas Bon", "title": "T", "body": "b"}, {"slug": "ok", "title": "", "body": "b"},
                 {"slug": "ok", "title": "T", "body": "b", "type": "roman"},
                 {"slug": "cddi-renouvellement", "title": "T", "body": "b"}):
        with pytest.raises(InvalidInput):
            services.save_article(None, data, library.jurist)
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 4


@pytest.mark.parametrize("updated_on", ["1800-01-01", "2999-12-31"])
def test_resource_up_to_date_outside_the_supported_years_is_refused(client, library, login, updated_on):
    """« À jour au » 1800 or 2999: the form says which years are accepted and nothing is saved."""
    login(library.jurist)
    response = client.post("/ressources/nouvelle", data={
        "title": "Clause sociale", "slug": "clause-sociale", "body": "Les marchés réservés aux SIAE.",
        "type": "decryptage", "visibility": "members", "updated_on": updated_on})
    assert response.status_code == 400
    assert "Indiquez une date entre 2000 et 2099." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Article).where(Article.slug == "clause-sociale")) is None
    with pytest.raises(InvalidInput, match="entre 2000 et 2099"):
        services.save_article(None, {"slug": "clause-sociale", "title": "T", "body": "b", "updated_on": updated_on},
                              library.jurist)


def test_resource_checked_in_the_future_is_refused(client, library, login):
    """« À jour au » tomorrow: refused with a message, nothing saved (it would hide the resource from review)."""
    login(library.jurist)
    tomorrow = (datetime.now(PARIS).date() + timedelta(days=1)).isoformat()
    response = client.post("/ressources/nouvelle", data={
        "title": "Clause sociale", "slug": "clause-sociale", "body": "Les marchés réservés aux SIAE.",
        "type": "decryptage", "visibility": "members", "updated_on": tomorrow})
    assert "champ « À jour au » ne peut pas être une date future." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Article).where(Article.slug == "clause-sociale")) is None


def test_unknown_article_is_404(client, library):
    """A missing resource answers 404."""
    with pytest.raises(NotFound):
        services.get_visible_article(library.member, "nulle-part")
    assert client.get("/ressources/nulle-part").status_code == 404


def test_change_is_recorded_in_the_same_transaction_and_applied_by_sync(library):
    """An edit writes a change-log row; until a sync applies it, check reports the entry stale."""
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    before = db.session.scalar(db.select(db.func.max(SearchChange.id)))
    services.save_article(article, {"slug": article.slug, "title": "Renouvellement du CDDI : licornes",
                                    "body": article.body, "visibility": "public"}, library.jurist)
    logged = db.session.scalars(db.select(SearchChange.object_key).where(SearchChange.id > before)).all()
    assert set(logged) == {"cddi-renouvellement"}
    assert indexing.check("articles").stale == ["cddi-renouvellement"]
    indexing.sync()
    assert indexing.check("articles").consistent
    hits = search.search_articles(index_path("articles"), "licornes", visibilities=("public",), statuses=("published",))
    assert [hit.slug for hit in hits.hits] == ["cddi-renouvellement"]


def test_rolled_back_change_leaves_nothing_to_index(library):
    """A transaction that fails records no index change."""
    before = db.session.scalar(db.select(db.func.count()).select_from(SearchChange))
    article = db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement"))
    article.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchChange)) == before


def test_crash_between_commit_and_index_update_is_repaired_by_next_sync(library, app):
    """A change committed while the index update fails is applied by the next sync."""
    app.config["SEARCH_SYNC_AFTER_REQUEST"] = False
    add_article("nouvelle-aide", "Aide au poste", "Montant de l'aide au poste en chantier.")
    report = indexing.check("articles")
    assert report.missing == ["nouvelle-aide"]
    indexing.sync()
    assert indexing.check("articles").consistent


def test_index_busy_leaves_change_pending(library):
    """When the indexer lock is held, sync gives up after its bounded wait and a later sync applies the change."""
    add_article("attente", "En attente", "Texte en attente d'indexation.")
    with indexing.indexer_lock("articles", timeout=1):
        with pytest.raises(indexing.SyncBusy):
            indexing.sync(timeout=0.1)
    assert indexing.check("articles").missing == ["attente"]
    indexing.sync()
    assert indexing.check("articles").consistent


def test_late_commit_with_an_older_sequence_number_is_not_lost(library):
    """A change whose id is below the indexer's high-water mark (committed late) is still applied."""
    add_article("tardif", "Commit tardif", "Texte d'un commit tardif.")
    late = db.session.scalar(db.select(SearchChange).where(SearchChange.object_key == "tardif"))
    state = json.loads(indexing._state_file("articles").read_text())
    indexing._write_state("articles", late.id + 10, [seq for seq in state["seen"] if seq != late.id])
    indexing.sync()
    assert indexing.check("articles").consistent


def test_an_index_built_with_other_fields_by_an_older_release_is_rebuilt_by_the_next_sync(library, app):
    """After an upgrade that changes the index's fields, the first sync rebuilds it from the database instead of
    failing to write documents its fields cannot hold."""
    live = Path(index_path("articles"))
    old = live.with_name(f"{live.name}.1")  # a generation directory, as rebuilds make them
    old.mkdir()
    whoosh_index.create_in(old, Schema(slug=ID(unique=True, stored=True), version=STORED))
    live.unlink()
    live.symlink_to(old.name)
    assert not search.schema_is_current(index_path("articles"), "articles")
    report = indexing.sync()
    assert "articles" in report.rebuilt
    assert search.schema_is_current(index_path("articles"), "articles")
    assert indexing.check("articles").consistent


def test_deleting_the_index_directory_and_rebuilding_gives_the_same_results(library, app):
    """Every index is derived: remove it, rebuild, same answers."""
    def ranked():
        return [hit.slug for hit in search.search_articles(
            index_path("articles"), "salariés insertion", visibilities=("public", "members", "jurists"),
            statuses=("published", "draft")).hits]
    before = ranked()
    shutil.rmtree(app.config["INDEX_DIR"])
    indexing.sync()
    assert ranked() == before
    assert indexing.check("articles").consistent and indexing.check("questions").consistent


def test_deleted_article_is_removed_from_the_index(library):
    """Deleting an article removes it from search."""
    db.session.delete(db.session.scalar(db.select(Article).where(Article.slug == "cddi-renouvellement")))
    db.session.commit()
    indexing.sync()
    assert indexing.check("articles").consistent
    assert "cddi-renouvellement" not in search.index_versions(index_path("articles"), "articles")


def test_import_reports_bad_lines_and_imports_the_rest(library, runner, tmp_path):
    """Bad lines are reported with their number and skipped; the import is idempotent by slug."""
    source = tmp_path / "import.jsonl"
    source.write_text("\n".join([
        json.dumps({"slug": "importe-un", "title": "Importé un", "body": "Corps un", "type": "law"}),
        "{pas du json",
        json.dumps({"slug": "sans-titre", "body": "Corps"}),
        json.dumps({"slug": "mauvais-type", "title": "T", "body": "b", "type": "poème"}),
        json.dumps({"slug": "importe-deux", "title": "Importé deux", "body": "Corps deux", "themes": ["inconnu"]}),
    ]), encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(source)])
    assert result.exit_code == 0
    assert "Erreur à la ligne 2, ignorée." in result.output and "Erreur à la ligne 3, ignorée." in result.output
    assert "Erreur à la ligne 4, ignorée." in result.output and "thème inconnu" in result.output
    assert all(" : " not in line for line in result.output.splitlines() if "à la ligne" in line)
    assert "2 créés, 0 mis à jour, 3 lignes ignorées." in result.output
    again = runner.invoke(args=["kb", "import", str(source)])
    assert "0 créés, 2 mis à jour" in again.output
    assert indexing.check("articles").consistent


def test_export_round_trips_with_import(library, runner, tmp_path):
    """Export then import into an emptied knowledge base gives back the same articles."""
    exported = tmp_path / "export.jsonl"
    assert runner.invoke(args=["kb", "export", str(exported)]).exit_code == 0
    before = exported.read_text(encoding="utf-8")
    for article in db.session.scalars(db.select(Article)):
        db.session.delete(article)
    db.session.commit()
    assert runner.invoke(args=["kb", "import", str(exported)]).exit_code == 0
    again = tmp_path / "again.jsonl"
    runner.invoke(args=["kb", "export", str(again)])
    assert again.read_text(encoding="utf-8") == before


def test_export_of_an_empty_knowledge_base_writes_an_empty_file(runner, tmp_path):
    """A new database exports an empty file (which imports as nothing), not a message with no file."""
    exported = tmp_path / "vide.jsonl"
    result = runner.invoke(args=["kb", "export", str(exported)])
    assert result.exit_code == 0 and "0 ressources exportées." in result.output
    assert exported.read_text(encoding="utf-8") == ""
    again = runner.invoke(args=["kb", "import", str(exported)])
    assert again.exit_code == 0 and "0 créés, 0 mis à jour, 0 lignes ignorées." in again.output


def test_check_command_exits_1_when_index_is_stale(library, runner, app):
    """`flask kb check` reports differences and fails; reindex repairs."""
    app.config["SEARCH_SYNC_AFTER_REQUEST"] = False
    add_article("hors-index", "Hors index", "Pas encore indexé.")
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 1 and "manquant : hors-index" in result.output
    assert runner.invoke(args=["kb", "reindex"]).exit_code == 0
    assert runner.invoke(args=["kb", "check"]).exit_code == 0


def test_search_command_says_when_nothing_is_found(library, runner):
    """Printed results are numbered; no result gets a French line rather than nothing (members' view: the
    jurists-only resource is not found)."""
    found = runner.invoke(args=["kb", "search", "activité partielle"])
    assert found.exit_code == 0
    assert "  1. Activité partielle en chantier d'insertion  [activite-partielle-membres]" in found.output
    for query in ("licorne", "doctrine interne"):
        result = runner.invoke(args=["kb", "search", query])
        assert result.exit_code == 0
        assert result.output == f"Aucun résultat pour « {query} » parmi les ressources publiées visibles des membres.\n"
    assert runner.invoke(args=["kb", "search", "licorne", "--json"]).output == "[]\n"


def test_search_and_evaluate_commands(library, runner, tmp_path):
    """`kb search` searches as a member; `kb evaluate` computes the metrics and writes runs."""
    result = runner.invoke(args=["kb", "search", "activité partielle", "--json"])
    assert json.loads(result.output)[0]["slug"] == "activite-partielle-membres"
    judgments = tmp_path / "judgments.jsonl"
    judgments.write_text("\n".join([
        json.dumps({"qid": "q1", "query": "activité partielle", "relevant": ["activite-partielle-membres"]}),
        json.dumps({"qid": "q2", "query": "doctrine interne", "relevant": ["doctrine-secrete"]}),
    ]), encoding="utf-8")
    runs = tmp_path / "runs.jsonl"
    result = runner.invoke(args=["kb", "evaluate", str(judgments), "--runs", str(runs), "--json"])
    summary = json.loads(result.output)
    # q1 finds its document first (1.0), q2's document is jurists-only, invisible to members (0.0).
    assert summary["S@1"] == pytest.approx(0.5) and summary["MRR@10"] == pytest.approx(0.5)
    assert [json.loads(line)["qid"] for line in runs.read_text().splitlines()] == ["q1", "q2"]


def test_evaluate_command_names_the_bad_line_without_a_traceback(runner, tmp_path):
    judgments = tmp_path / "judgments.jsonl"
    for content, message in (
            ('{"qid": "q1", "query": "CDDI", "relevant": []}\n{"qid": "q2", "query": \n', "La ligne 2 n'est pas du JSON valide"),
            ('\n["CDDI"]\n', "La ligne 2 n'est pas un objet avec « qid », « query » et « relevant »."),
            ('{"qid": "q1", "query": "CDDI"}\n', "La ligne 1 n'est pas un objet avec « qid », « query » et « relevant »")):
        judgments.write_text(content, encoding="utf-8")
        result = runner.invoke(args=["kb", "evaluate", str(judgments)])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
        assert message in result.output


@pytest.mark.parametrize("command", ["import", "evaluate"])
def test_import_and_evaluate_refuse_a_file_not_in_utf8(runner, tmp_path, command):
    latin1 = tmp_path / "ressources.jsonl"
    latin1.write_bytes('{"slug": "ete", "title": "Été", "body": "Activité partielle en été."}\n'.encode("latin-1"))
    result = runner.invoke(args=["kb", command, str(latin1)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"{latin1} n'est pas un fichier texte UTF-8 : enregistrez-le en UTF-8 puis relancez la commande." in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == 0


def test_sync_command_reports_in_french(runner, world):
    """No Python dict or list in what an operator reads."""
    first = runner.invoke(args=["kb", "sync"])
    assert first.output == ("Index synchronisés. Changements appliqués : aucun ; "
                            "index reconstruits : articles, questions.\n")
    add_article("cddi-24-mois", "CDDI au-delà de 24 mois", "Prolonger un CDDI pour achever une formation.")
    second = runner.invoke(args=["kb", "sync"])
    assert second.output == ("Index synchronisés. Changements appliqués : articles 1, questions 0 ; "
                             "index reconstruits : aucun.\n")


def test_changes_written_as_of_a_past_moment_survive_pruning_until_applied(library, runner):
    """Demo history is written under frozen_time years ago: a running indexer's pruning must not drop its
    changes before applying them (kb check then found questions missing after `seed-demo`)."""
    with frozen_time(datetime.now(PARIS) - timedelta(days=700)):
        add_article("archive-cddi", "Archive sur le CDDI", "Une ancienne ressource sur le contrat d'insertion.")
    indexing.prune_log(14)
    indexing.sync()
    assert runner.invoke(args=["kb", "check"]).exit_code == 0
    assert "archive-cddi" in {hit.slug for hit in search.search_articles(
        index_path(search.ARTICLES), "archive contrat", visibilities=("public",), statuses=("published",)).hits}


def test_similar_questions_are_shown_to_jurists_only(client, world, login):
    """Jurists see similar treated questions on a question's page; members never do."""
    from tests.factories import make_ticket
    from helpdesk.tickets import services as ticket_services
    first = make_ticket(world.member, subject="Renouvellement CDDI au-delà de 24 mois",
                        body="Peut-on renouveler un CDDI au-delà de 24 mois pour finir une formation ?")
    ticket_services.add_message(first, world.jurist, "Oui, une dérogation est possible pour achever une formation.")
    second = make_ticket(world.outsider, subject="Prolonger un CDDI de plus de 24 mois",
                         body="Un salarié en CDDI depuis 23 mois veut finir sa formation : renouvellement possible ?")
    indexing.sync()
    login(world.jurist)
    text = client.get(f"/questions/{second.reference}").get_data(as_text=True)
    assert "Questions similaires déjà traitées" in text and first.reference in text
    login(world.outsider)
    text = client.get(f"/questions/{second.reference}").get_data(as_text=True)
    assert first.reference not in text


def test_queue_free_text_filter_uses_the_question_index(client, world, login):
    """The queue's text filter finds questions by stemmed words of their description."""
    from tests.factories import make_ticket
    match = make_ticket(world.member, subject="Question sur un contrat", body="Nos salariées en activité partielle depuis mars.")
    other = make_ticket(world.member, subject="Autre sujet", body="Rien à voir avec le reste du dossier ici.")
    indexing.sync()
    login(world.jurist)
    text = client.get("/file/?vue=ouvertes&q=salarie").get_data(as_text=True)
    assert match.reference in text and other.reference not in text


def test_an_article_ending_with_its_references_does_not_show_two_headings_of_that_name(client, world):
    """Most resources end their text with « ## Références »; the list of cited texts below was titled the same, so the
    page read « Références » twice in a row."""
    add_article("cddi-duree", "Durée du CDDI", "Le CDDI dure de 4 à 24 mois.\n\n## Références\n\n- C. trav. art. L1242-3",
                legal_refs=["C. trav. art. L1242-3"])
    page = client.get("/ressources/cddi-duree").get_data(as_text=True)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", page)
    assert headings.count("Références") == 1 and "Textes cités" in headings
