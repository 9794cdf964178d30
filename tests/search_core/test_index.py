"""Tests of index storage: rebuild, incremental changes, locking, searcher reuse, versions."""

import sys
import threading
import time

import pytest
from whoosh import index as whoosh_index

from helpdesk.search import (
    IndexBusy,
    apply,
    get_searcher,
    index_versions,
    open_index,
    rebuild,
    schema_is_current,
    search_articles,
    search_questions,
)
from helpdesk.search.analysis import ANALYSIS_VERSION
from helpdesk.search.schema import article_schema

from conftest import ARTICLES, MEMBER, make_article

QUERIES = ["salarié", "démission", "DUER", "employeur activité", ""]


def results(path):
    """Return (total, slugs) for a fixed set of queries."""
    return [(page.total, [hit.slug for hit in page.hits]) for page in (search_articles(path, q, **MEMBER) for q in QUERIES)]


def test_rebuild_equals_incremental(articles_path, tmp_path):
    """Documents applied one by one give the same results as a rebuild."""
    incremental = tmp_path / "incremental"
    for article in ARTICLES:
        apply(incremental, "articles", [article], [])
    assert results(incremental) == results(articles_path)
    assert index_versions(incremental, "articles") == index_versions(articles_path, "articles")


def test_rebuild_with_several_processes(tmp_path, articles_path):
    """The multi-process rebuild gives the same results."""
    path = tmp_path / "multi"
    rebuild(path, "articles", ARTICLES, procs=2)
    assert results(path) == results(articles_path)


def test_update_and_delete(articles_path):
    """update replaces by slug, delete removes; versions follow."""
    changed = make_article("duerp", "Document unique", "Nouveau texte sur la prévention.", version="2")
    apply(articles_path, "articles", [changed], ["draft"])
    versions = index_versions(articles_path, "articles")
    assert versions["duerp"] == "2"
    assert "draft" not in versions
    assert [hit.slug for hit in search_articles(articles_path, "prévention", **MEMBER).hits] == ["duerp"]


def test_apply_raises_index_busy_when_locked(articles_path):
    """A held write lock makes apply give up after its timeout."""
    lock = open_index(articles_path, "articles").lock("WRITELOCK")
    assert lock.acquire()
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy):
            apply(articles_path, "articles", [ARTICLES[0]], [], timeout=0.3)
        assert time.monotonic() - started >= 0.3
    finally:
        lock.release()
    apply(articles_path, "articles", [ARTICLES[0]], [], timeout=0.3)


def test_searcher_is_reused_until_the_index_changes(articles_path):
    """The cached searcher is reused, then replaced after a commit and after a rebuild."""
    first = get_searcher(articles_path, "articles")
    assert get_searcher(articles_path, "articles") is first
    apply(articles_path, "articles", [make_article("new", "Licorne", "Une licorne.")], [])
    second = get_searcher(articles_path, "articles")
    assert second is not first
    assert [hit.slug for hit in search_articles(articles_path, "licorne", **MEMBER).hits] == ["new"]
    rebuild(articles_path, "articles", ARTICLES, procs=1)
    assert get_searcher(articles_path, "articles") is not second
    assert search_articles(articles_path, "licorne", **MEMBER).total == 0


def test_a_searcher_opened_while_a_commit_removes_its_files_is_opened_again(articles_path, monkeypatch):
    """Whoosh lists the newest table of contents, then opens it: a commit deleting it in between is not an error."""
    open_dir, calls = whoosh_index.open_dir, []

    def racing_open_dir(*args, **kwargs):
        """The first opening finds its table of contents gone."""
        calls.append(args)
        if len(calls) == 1:
            raise FileNotFoundError("_MAIN_1.toc")
        return open_dir(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", racing_open_dir)
    assert get_searcher(articles_path, "articles").doc_count() == len(ARTICLES)


def test_searches_keep_working_across_rebuilds(articles_path):
    """An old searcher still answers after two rebuilds swapped its generation out."""
    old = get_searcher(articles_path, "articles")
    rebuild(articles_path, "articles", ARTICLES, procs=1)
    rebuild(articles_path, "articles", ARTICLES, procs=1)
    assert old.doc_count() == len(ARTICLES)
    assert len(list(articles_path.parent.glob("articles.*"))) == 2


def test_rebuild_waits_for_lock_then_gives_up(articles_path):
    """A rebuild does not write over an index that is being changed."""
    lock = open_index(articles_path, "articles").lock("WRITELOCK")
    assert lock.acquire()
    try:
        with pytest.raises(IndexBusy):
            rebuild(articles_path, "articles", ARTICLES, procs=1, timeout=0.2)
    finally:
        lock.release()


def test_an_index_of_an_older_analysis_is_not_current(tmp_path):
    """An index whose terms come from an older analysis (« 480h » one term) is reported for a rebuild, which fixes it."""
    path = tmp_path / "articles"
    path.mkdir()
    schema = article_schema()
    for name in ("title", "summary", "body", "tags_text", "legal_refs"):
        schema[name].analyzer.version = ANALYSIS_VERSION - 1
    whoosh_index.create_in(path, schema)
    assert not schema_is_current(path, "articles")
    rebuild(path, "articles", ARTICLES, procs=1)
    assert schema_is_current(path, "articles")


def test_similar_questions(tmp_path):
    """Similar questions respect structure, status and the excluded question."""
    path = tmp_path / "questions"
    questions = [
        {"id": 1, "reference": "Q-1", "subject": "Rupture conventionnelle d'un CDDI", "body": "Peut-on rompre ?", "status": "answered", "structure_id": 7},
        {"id": 2, "reference": "Q-2", "subject": "Rupture conventionnelle", "body": "Délai de rétractation", "status": "answered", "structure_id": 8},
        {"id": 3, "reference": "Q-3", "subject": "Congés payés", "body": "Calcul des congés", "status": "open", "structure_id": 7},
        {"id": 4, "reference": "Q-4", "subject": "Rupture du contrat", "body": "rupture conventionnelle", "status": "open", "structure_id": 7},
    ]
    rebuild(path, "questions", questions, procs=1)
    text = "rupture conventionnelle et délai"
    assert "3" not in {hit.id for hit in search_questions(path, text)}
    assert {hit.id for hit in search_questions(path, text, structure_id=7)} == {"1", "4"}
    assert [hit.reference for hit in search_questions(path, text, structure_id=7, statuses=["answered"])] == ["Q-1"]
    assert "1" not in {hit.id for hit in search_questions(path, text, exclude_id=1)}


def test_threads_searching_at_once_each_get_whole_results(articles_path):
    """Threads of one process (the demo's server, a threaded worker) search at once without corrupt reads."""
    expected = [hit.slug for hit in search_articles(articles_path, "activité salariés", **MEMBER).hits]
    failures, results = [], []

    def searching():
        try:
            for _ in range(150):
                results.append([hit.slug for hit in search_articles(articles_path, "activité salariés", **MEMBER).hits])
        except Exception as error:  # noqa: BLE001 - any error is the failure being tested
            failures.append(repr(error))

    threads = [threading.Thread(target=searching) for _ in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, where a real server switches on I/O
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert len(results) == 600 and all(result == expected for result in results)


def test_similar_questions_share_the_subject_not_a_word_or_two_of_chance(tmp_path):
    """A question on paid leave during sick leave is similar to another on the same case, not to questions that only
    share words every question has with it (« Bonjour », « salarié », « pendant », « peut »)."""
    path = tmp_path / "questions"
    filler = [{"id": 10 + number, "reference": f"Q-{10 + number}", "subject": subject,
               "body": f"Bonjour, pendant {body}, un salarié peut-il continuer ? Merci.", "status": "answered",
               "structure_id": 7}
              for number, (subject, body) in enumerate([
                  ("PASS IAE expiré pendant un contrat", "le renouvellement du PASS IAE"),
                  ("Visite médicale d'embauche", "l'attente de la visite médicale"),
                  ("Mutuelle obligatoire", "la période de dispense de mutuelle"),
                  ("Heures supplémentaires", "une semaine de forte activité"),
                  ("Clause sociale d'un marché", "l'exécution d'un marché public"),
                  ("Formation et CDDI", "une formation qualifiante")])]
    same_case = {"id": 1, "reference": "Q-1", "subject": "Arrêt maladie pendant les congés payés",
                 "body": "Bonjour, un salarié en arrêt maladie pendant ses congés payés peut-il les reporter ? Merci.",
                 "status": "answered", "structure_id": 7}
    rebuild(path, "questions", [same_case, *filler], procs=1)
    text = ("Congés payés pendant un arrêt maladie\nBonjour, une salariée a été en arrêt maladie pendant ses congés "
            "payés d'août. Peut-elle reporter ses jours de congés ? Merci.")
    assert [hit.reference for hit in search_questions(path, text)] == ["Q-1"]
