"""Tests of the array scoring: the same scores as Whoosh's matchers, ties, snippets and the postings cache."""

import gc
from datetime import datetime

import numpy as np
import pytest
from whoosh.query import Or, Phrase

from helpdesk.search import apply, open_index, rebuild, search_articles
from helpdesk.search.analysis import analyze, matched_spans
from helpdesk.search.arrays import _arrays, _PostingsCache, index_arrays, score_units, top_documents
from helpdesk.search.engine import _corrections, _unit_queries
from helpdesk.search.index import get_searcher
from helpdesk.search.query import parse

from conftest import MEMBER, make_article

BODIES = [
    "Le salarié en activité partielle perçoit une indemnité versée par l'employeur.",
    "Les salariés et les salariées du chantier d'insertion ont un contrat à durée déterminée d'insertion.",
    "L'activité partielle s'applique aux salariés ; l'employeur demande l'autorisation préalable.",
    "Contrat de professionnalisation : la formation alterne avec l'activité du salarié.",
    "Rien à voir : un texte sur la gestion des congés payés.",
]


@pytest.fixture
def segmented_path(tmp_path):
    """An index in several segments, one document replaced (a deleted version left inside)."""
    path = tmp_path / "articles"
    docs = [make_article(f"doc-{n}", f"Titre {n} salarié" if n % 2 else f"Titre {n}", body,
                         summary="activité partielle" if n == 2 else "", updated_on=datetime(2024, 1, 1 + n))
            for n, body in enumerate(BODIES)]
    rebuild(path, "articles", docs[:3], procs=1)
    apply(path, "articles", docs[3:], [])
    apply(path, "articles", [{**docs[0], "body": docs[0]["body"] + " Le salarié signe."}], [])
    return path


def whoosh_scores(searcher, queries) -> dict[int, float]:
    """Score every matching document with Whoosh's own matchers (no block skipping)."""
    results = searcher.search(Or(queries), limit=None, optimize=False)
    return {hit.docnum: hit.score for hit in results}


@pytest.mark.parametrize("text", ["salarié", "activité partielle employeur", "\"activité partielle\" contrat", "chômage partiel"])
def test_scores_equal_whoosh_over_segments_and_deletions(segmented_path, text):
    """Summed BM25F scores (terms and phrases, every field and boost) equal Whoosh's, deleted documents aside."""
    searcher = get_searcher(segmented_path, "articles")
    assert len(searcher.reader().leaf_readers()) > 1
    queries = _unit_queries(parse(text), _corrections(searcher, parse(text), ("public",)))
    arrays = index_arrays(searcher)
    found = score_units(arrays, queries)
    expected = whoosh_scores(searcher, queries)
    ours = {int(doc): float(found.scores[doc]) for doc in np.flatnonzero((found.units_matched > 0) & arrays.live)}
    assert ours.keys() == expected.keys()
    assert ours == pytest.approx(expected, rel=1e-9)


def test_units_matched_counts_units_not_clauses(segmented_path):
    """A document containing a word in three fields still counts one unit for it."""
    searcher = get_searcher(segmented_path, "articles")
    arrays = index_arrays(searcher)
    parsed = parse("salarié congés")
    found = score_units(arrays, _unit_queries(parsed, _corrections(searcher, parsed, ("public",))))
    doc = searcher.document_number(slug="doc-1")
    assert found.units == 2
    assert found.units_matched[doc] == 1
    assert found.units_matched[searcher.document_number(slug="doc-4")] == 1


def test_top_documents_breaks_ties_like_whoosh():
    """Equal scores go to the lower document number; a reversed sort puts the higher one first."""
    keys = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    every = np.ones(5, bool)
    assert top_documents(keys, every, 2).tolist() == [1, 2]
    assert top_documents(keys, every, 2, reverse_ties=True).tolist() == [4, 2]
    assert top_documents(keys, np.array([True, False, False, True, False]), 5).tolist() == [3, 0]
    assert top_documents(keys, np.zeros(5, bool), 3).tolist() == []


def test_edited_document_is_ranked_with_its_new_text(segmented_path):
    """After an edit the old version neither matches nor counts; the new one does."""
    page = search_articles(segmented_path, "signe", **MEMBER)
    assert [hit.slug for hit in page.hits] == ["doc-0"]
    assert search_articles(segmented_path, "indemnité", **MEMBER).total == 1


def test_date_sort_puts_newest_first(segmented_path):
    """Sorting by date ignores scores."""
    page = search_articles(segmented_path, "salarié", sort="date", **MEMBER)
    dates = [hit.updated_on for hit in page.hits]
    assert dates == sorted(dates, reverse=True)


def test_matched_spans_find_accented_capitalised_and_irregular_forms():
    """Stems are found whatever the accents, case and irregular plural of the word."""
    text = "Les SALARIÉES, un salarié ; des chevaux et un cheval. Salaire."
    (salarie,) = analyze("salarié")
    spans = matched_spans(text, frozenset({salarie, "cheval"}))
    assert [text[start:end] for start, (end, _) in spans.items()] == ["SALARIÉES", "salarié", "chevaux", "cheval"]
    assert [term for _, term in spans.values()] == [salarie, salarie, "cheval", "cheval"]


def test_matched_spans_find_legal_references_and_skip_stop_words():
    """A legal reference is matched however it is written; a stop word never is."""
    text = "Voir l'art. L. 5132-5 et L5132-5 ; il ne faut pas."
    spans = matched_spans(text, frozenset({"l5132-5", "ne"}))
    assert [text[start:end] for start, (end, _) in spans.items()] == ["L. 5132-5", "L5132-5"]


def test_snippet_marks_words_far_into_a_long_body(tmp_path):
    """A word near the end of a long body is highlighted with its context."""
    path = tmp_path / "articles"
    body = "Texte sans rapport. " * 400 + "La rupture conventionnelle homologuée met fin au contrat."
    rebuild(path, "articles", [make_article("long", "Long", body)], procs=1)
    (hit,) = search_articles(path, "HOMOLOGUÉES", **MEMBER).hits
    assert '<mark class="match term0">homologuée</mark>' in hit.snippet
    assert "rupture conventionnelle" in hit.snippet


@pytest.mark.parametrize("words", [("activit", "partiel"), ("salari", "activit"), ("partiel", "activit")])
@pytest.mark.parametrize("fieldname", ["body", "title"])
def test_adjacent_words_are_those_of_a_whoosh_phrase(segmented_path, words, fieldname):
    """The proximity check finds the live documents of a Whoosh phrase of slop 1, over segments and deletions."""
    searcher = get_searcher(segmented_path, "articles")
    arrays = index_arrays(searcher)
    expected = {hit.docnum for hit in searcher.search(Phrase(fieldname, list(words), slop=1), limit=None)}
    found = arrays.adjacent(fieldname, {words: np.flatnonzero(arrays.live)})[words]
    assert set(found.tolist()) == expected
    assert set(arrays.adjacent(fieldname, {words: found[:1]})[words].tolist()) == set(found[:1].tolist())


def test_postings_cache_stays_within_its_byte_limit():
    """The least recently used arrays are evicted once the limit is passed."""
    cache = _PostingsCache(limit=1000)
    arrays = (np.zeros(50, np.int32), np.zeros(50, np.float32))  # 400 bytes
    for key in "abc":
        cache.put(key, arrays, 400)
    assert cache.get("a") is None
    assert cache.get("c") is arrays
    assert cache.size <= 1000


@pytest.mark.parametrize("text", ["", "salarié", "\"activité partielle\""])
def test_an_empty_index_finds_nothing_without_error(tmp_path, text):
    """Before the first article is indexed, browsing and searching return an empty page."""
    path = tmp_path / "articles"
    open_index(path, "articles")
    page = search_articles(path, text, **MEMBER)
    assert (page.total, page.hits, page.facets) == (0, [], {"type": {}, "themes": {}})


def test_articles_without_date_are_browsed_last(tmp_path):
    """An article with no « à jour au » date comes after dated ones when browsing."""
    path = tmp_path / "articles"
    undated = {key: value for key, value in make_article("sans-date", "Sans date", "texte").items() if key != "updated_on"}
    rebuild(path, "articles", [undated, make_article("datee", "Datée", "texte")], procs=1)
    assert [hit.slug for hit in search_articles(path, "", **MEMBER).hits] == ["datee", "sans-date"]


def test_arrays_of_replaced_searchers_are_freed(articles_path):
    """Each index change replaces the process's searcher: the old one's arrays must not stay in memory."""
    search_articles(articles_path, "ajout", **MEMBER)
    gc.collect()
    before = len(_arrays)
    for number in range(4):
        apply(articles_path, "articles", [make_article(f"ajout-{number}", "Ajout", "Texte ajouté.")], [])
        search_articles(articles_path, "ajout", **MEMBER)
    gc.collect()
    assert len(_arrays) == before
    assert search_articles(articles_path, "ajout", **MEMBER).total == 4
