"""Search functions over the articles and questions indexes, returning plain dataclasses.

Query strategy for ``search_articles``: a document matches when it contains
any unit of the query (a word with its synonyms, or a quoted phrase) and is
ranked by its BM25F score over the boosted fields times the share of the
query's units it contains (a coordination factor).  Requiring every word
first, a squared or square-root coordination, a title proximity boost or a
prior per resource type were measured on the relevance judgments and did
worse or no better (docs/search.md).
Words absent from the index are completed with their closest spelling.  Visibility and status
restrictions are applied inside Whoosh (``filter=`` document sets), so counts,
facets and suggestions only ever see documents the user may read.
"""

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from html import escape
from itertools import chain
from weakref import WeakKeyDictionary

from whoosh.collectors import FilterCollector, TermsCollector, TopCollector
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.query import And, Every, Or, Term

from .index import get_searcher
from .query import parse, unit_queries
from .schema import ARTICLES, QUESTIONS
from .spelling import auto_corrections, corrected_text

ARTICLE_BOOSTS = {"title": 3.0, "summary": 1.5, "body": 1.0, "tags_text": 0.5, "legal_refs": 2.0}
QUESTION_BOOSTS = {"subject": 2.0, "body": 1.0}
SUGGEST_BELOW = 3
KEY_TERMS = 12
FACETS = ("type", "themes")
SNIPPET_CHARS = 240

# Per-searcher sets of documents by visibility, status, type and theme: filters
# and facet counts become set operations instead of queries.
_value_docs: WeakKeyDictionary = WeakKeyDictionary()
SEGMENT_CACHE_ENTRIES = 256
_segment_value_docs: dict[tuple[str, int, str], dict[str, frozenset[int]]] = {}
_segment_value_docs_lock = threading.Lock()


@dataclass(frozen=True)
class ArticleHit:
    """One article in a result list; ``snippet`` is safe HTML (escaped text, <mark> tags)."""

    slug: str
    title: str
    type: str
    themes: tuple[str, ...]
    updated_on: datetime | None
    score: float
    snippet: str


@dataclass(frozen=True)
class SearchPage:
    """One page of article results with facet counts and an optional spelling suggestion."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list[ArticleHit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    matched_all_words: bool


@dataclass(frozen=True)
class QuestionHit:
    """A similar question."""

    id: str
    reference: str
    status: str
    structure_id: str
    theme: str
    score: float


def _any_of(fieldname: str, values) -> Or:
    """Return a query matching any of ``values`` in ``fieldname`` (nothing if empty)."""
    return Or([Term(fieldname, str(value)) for value in values])


def _segment_docs_by_value(reader, offset: int, fieldname: str) -> dict[str, frozenset[int]]:
    """Return ``{value: document numbers}`` of one index segment, cached for as long as the segment lives.

    A segment's documents never change; one deleted later (an edited article's old version)
    stays in these sets, which is harmless: every use intersects them with a query's matches.
    So a searcher reopened after a small commit only reads the new segment.
    """
    segment = reader.segment()
    if segment is None:  # an index without any segment
        return {}
    key = (segment.segment_id(), offset, fieldname)
    docs = _segment_value_docs.get(key)
    if docs is None:
        field = reader.schema[fieldname]
        docs = {
            field.from_bytes(btext): frozenset(offset + local for local in reader.postings(fieldname, btext).all_ids())
            for btext in reader.lexicon(fieldname)
        }
        with _segment_value_docs_lock:
            _segment_value_docs[key] = docs
            while len(_segment_value_docs) > SEGMENT_CACHE_ENTRIES:
                del _segment_value_docs[next(iter(_segment_value_docs))]
    return docs


def _docs_by_value(searcher, fieldname: str) -> dict[str, frozenset[int]]:
    """Return ``{value: document numbers}`` for a filter/facet field, cached per searcher."""
    cache = _value_docs.setdefault(searcher, {})
    if fieldname not in cache:
        leaves = searcher.reader().leaf_readers()
        parts = [_segment_docs_by_value(reader, offset, fieldname) for reader, offset in leaves]
        values = sorted(set().union(*parts))
        cache[fieldname] = {value: frozenset().union(*(part.get(value, ()) for part in parts)) for value in values}
    return cache[fieldname]


def _docs_with_any(searcher, fieldname: str, values) -> set[int]:
    """Return the documents having any of ``values`` in ``fieldname``."""
    by_value = _docs_by_value(searcher, fieldname)
    return set().union(*(by_value.get(str(value), ()) for value in values))


def _visible_docs(searcher, visibilities, statuses) -> set[int]:
    """Return the documents a user with these visibilities may see in these statuses."""
    return _docs_with_any(searcher, "visibility", visibilities) & _docs_with_any(searcher, "status", statuses)


def _facet_counts(searcher, matched: set[int], allowed: set[int], selections: dict[str, set[int]]):
    """Count facet values among visible matches, each facet ignoring its own selection."""
    counts = {}
    for name in FACETS:
        base = matched & allowed
        for other, docs in selections.items():
            if other != name:
                base &= docs
        values = ((value, len(base & docs)) for value, docs in _docs_by_value(searcher, name).items())
        counts[name] = dict(sorted(((v, n) for v, n in values if n), key=lambda item: (-item[1], item[0])))
    return counts


def _snippet(hit) -> str:
    """Return highlighted body fragments, or the escaped start of the summary/body."""
    highlighted = hit.highlights("body", top=2)
    if highlighted:
        return highlighted
    text = hit.get("summary") or hit.get("body") or ""
    return escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))


def _article_hit(hit, snippet: str) -> ArticleHit:
    """Convert a Whoosh hit into an ArticleHit."""
    themes = hit.get("themes") or ""
    return ArticleHit(
        slug=hit["slug"],
        title=hit["title"],
        type=hit.get("type") or "",
        themes=tuple(theme for theme in themes.split(",") if theme),
        updated_on=hit.get("updated_on"),
        score=hit.score or 0.0,
        snippet=snippet,
    )


def _unit_queries(searcher, parsed) -> list:
    """Return the article query of each unit of ``parsed``, completing words unknown to the index."""
    corrections = auto_corrections(searcher.reader(), parsed, ("title", "body"))
    return unit_queries(parsed, ARTICLE_BOOSTS, corrections)


def _matches(searcher, query) -> set[int]:
    """Return the documents matching ``query``, the clauses of an Or combined as sets.

    The same documents as ``searcher.docs_for_query(query)``, 2-3 times faster for a unit's
    Or over fields and alternatives: Python set unions instead of Whoosh's union matchers.
    """
    if type(query) is Or:
        return set().union(*(_matches(searcher, clause) for clause in query.subqueries))
    return set(searcher.docs_for_query(query))


class _MatchedTermsCollector(TermsCollector):
    """Record which query terms matched any collected document, as ``terms=True`` does, but not per document.

    Highlighting only reads that union (``Results.matched_terms()``); Whoosh's TermsCollector
    tests every term matcher on every match (over a tenth of the search).  Matchers are still
    kept on the current document, so the scores are those of a ``terms=True`` search.
    """

    def set_subsearcher(self, subsearcher, offset):
        """Start a segment: every query term not seen yet is to be looked for."""
        super().set_subsearcher(subsearcher, offset)
        self.termmatchers = [matcher for matcher in self.termmatchers if matcher.term() not in self.termdocs]

    def collect(self, sub_docnum):
        """Collect the document and record the terms seen for the first time on it."""
        self.child.collect(sub_docnum)
        if self.termmatchers:
            seen = [matcher for matcher in self.termmatchers if matcher.is_active() and matcher.id() == sub_docnum]
            for matcher in seen:
                self.termdocs[matcher.term()].append(self.child.offset + sub_docnum)
            if seen:
                self.termmatchers = [matcher for matcher in self.termmatchers if matcher.term() not in self.termdocs]


class _CoordinatedCollector(TopCollector):
    """The top documents by score times the share of the query's units they contain."""

    def __init__(self, unit_docs: list[set[int]], **options):
        """Count, for each document, how many of the units' document sets hold it."""
        super().__init__(**options)
        self.units = len(unit_docs)
        self.unit_counts = Counter(chain.from_iterable(unit_docs))

    def prepare(self, top_searcher, q, context):
        """Start collecting, scaling every score by the document's share of units."""
        super().prepare(top_searcher, q, context)
        counts, units = self.unit_counts, self.units
        self.final_fn = lambda _searcher, docnum, score: score * counts[docnum] / units

    def _use_block_quality(self):
        """Never skip blocks: their best raw score says nothing of the scaled one."""
        return False


def _search_within(searcher, query, docs: set[int], *, terms: bool = False, collector=None, **options):
    """Run ``query`` restricted to ``docs`` (Whoosh reads an empty filter set as "no filter")."""
    if not docs:
        return []
    collector = collector or searcher.collector(**options)
    if terms:
        collector = _MatchedTermsCollector(collector)
    collector = FilterCollector(collector, docs, None)
    searcher.search_with_collector(query, collector)
    return collector.results()


def _suggestion(searcher, text: str, visible: set[int], total: int) -> str | None:
    """Return a respelled query that finds more visible documents than ``total``, if any."""
    corrected = corrected_text(searcher.reader(), text)
    if corrected:
        queries = _unit_queries(searcher, parse(corrected))
        if len(set().union(*(_matches(searcher, query) for query in queries)) & visible) > total:
            return corrected
    return None


def search_articles(
    path,
    query: str,
    *,
    visibilities,
    statuses,
    types=None,
    themes=None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 10,
    snippets: bool = True,
) -> SearchPage:
    """Search visible articles; an empty query browses them, newest first."""
    searcher = get_searcher(path, ARTICLES)
    allowed = _visible_docs(searcher, visibilities, statuses)
    selected = {"type": types, "themes": themes}
    selections = {name: _docs_with_any(searcher, name, values) for name, values in selected.items() if values}
    visible = allowed.intersection(*selections.values())
    text = (query or "").strip()
    parsed = parse(text)
    browsing = not parsed.units
    unit_docs = []
    if browsing:
        ranking_query = Every()
        matched = _matches(searcher, ranking_query)
        matched_all = True
    else:
        queries = _unit_queries(searcher, parsed)
        unit_docs = [_matches(searcher, query) for query in queries]
        matched = set().union(*unit_docs)
        matched_all = bool(visible.intersection(*unit_docs))
        ranking_query = Or(queries)
    hits_filter = matched & visible
    total = len(hits_filter)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    coordinated = len(unit_docs) > 1 and sort != "date"
    collector = _CoordinatedCollector(unit_docs, limit=page * per_page) if coordinated else None
    ordering = {"sortedby": "updated_on", "reverse": True} if browsing or sort == "date" else {}
    results = _search_within(
        searcher, ranking_query, hits_filter, limit=page * per_page, terms=snippets, collector=collector, **ordering
    )
    if snippets and results:
        results.fragmenter = ContextFragmenter(maxchars=200, surround=60)
        results.formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
    hits = [_article_hit(hit, _snippet(hit) if snippets else "") for hit in results[(page - 1) * per_page :]]
    return SearchPage(
        query=text,
        total=total,
        page=page,
        per_page=per_page,
        hits=hits,
        facets=_facet_counts(searcher, matched, allowed, selections),
        suggestion=_suggestion(searcher, text, visible, total) if not browsing and total < SUGGEST_BELOW else None,
        matched_all_words=matched_all,
    )


def _key_terms_query(searcher, text: str, boosts: dict[str, float]):
    """Return an OR query of the most significant terms of a long free text, or None."""
    key_terms = searcher.key_terms_from_text("body", text, numterms=KEY_TERMS)
    if not key_terms:
        return None
    return Or(
        [
            Term(fieldname, term, boost=boost * weight)
            for term, weight in key_terms
            for fieldname, boost in boosts.items()
        ]
    )


def suggest_articles(path, text: str, visibilities, limit: int = 5, statuses=("published",)) -> list[ArticleHit]:
    """Return articles that may answer a question being typed (subject + description)."""
    searcher = get_searcher(path, ARTICLES)
    whoosh_query = _key_terms_query(searcher, text, ARTICLE_BOOSTS)
    if whoosh_query is None:
        return []
    visible = _visible_docs(searcher, visibilities, statuses)
    # Whoosh ignores an empty (falsy) filter: with nothing visible, suggest nothing.
    results = searcher.search(whoosh_query, limit=limit, filter=visible) if visible else []
    return [_article_hit(hit, "") for hit in results]


def search_questions(
    path, text: str, *, limit: int = 5, exclude_id=None, structure_id=None, statuses=None
) -> list[QuestionHit]:
    """Return questions similar to ``text``, optionally within one structure and some statuses."""
    searcher = get_searcher(path, QUESTIONS)
    whoosh_query = _key_terms_query(searcher, text, QUESTION_BOOSTS)
    if whoosh_query is None:
        return []
    filters = []
    if structure_id is not None:
        filters.append(Term("structure_id", str(structure_id)))
    if statuses:
        filters.append(_any_of("status", statuses))
    results = searcher.search(
        whoosh_query,
        limit=limit,
        filter=And(filters) if filters else None,
        mask=Term("id", str(exclude_id)) if exclude_id is not None else None,
    )
    return [
        QuestionHit(
            id=hit["id"],
            reference=hit.get("reference") or "",
            status=hit.get("status") or "",
            structure_id=hit.get("structure_id") or "",
            theme=hit.get("theme") or "",
            score=hit.score or 0.0,
        )
        for hit in results
    ]
