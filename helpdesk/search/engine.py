"""Search functions over the articles and questions indexes, returning plain dataclasses.

Query strategy for ``search_articles``: a document matches when it contains
any unit of the query (a word with its synonyms, or a quoted phrase) and is
ranked by its BM25F score over the boosted fields times the share of the
query's units it contains, each unit weighted by its idf (a coordination
factor); the best-ranked documents then gain a bonus where two consecutive
words of the query stand side by side in their title or body (proximity).
Requiring every word first, an unweighted, squared or square-root
coordination, a title-only proximity boost, a prior per resource type,
BM25F with one saturation over the fields or pseudo-relevance feedback were
measured on the relevance judgments and did worse or no better
(docs/search.md).
Words absent from the index are completed with their closest spelling.  Scores, visibility
and status restrictions, facets and the ranking are array operations over the whole index
(``arrays.py``): counts, facets and suggestions only ever see documents the user may read.
"""

from dataclasses import dataclass
from datetime import datetime
from html import escape

import numpy as np
from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    ContextFragmenter,
    Highlighter,
    HtmlFormatter,
    top_fragments,
)
from whoosh.query import And, Or, Phrase, Term

from .analysis import analyze, matched_spans, token_spans
from .arrays import index_arrays, score_units, top_documents
from .index import get_searcher
from .query import adjacent_pairs, parse, unit_queries
from .schema import ARTICLES, QUESTIONS, spell_field
from .spelling import Correction, auto_corrections, corrected_text

ARTICLE_BOOSTS = {"title": 3.0, "summary": 1.5, "body": 1.0, "tags_text": 0.5, "legal_refs": 2.0}
QUESTION_BOOSTS = {"subject": 2.0, "body": 1.0}
# Proximity: among the PROXIMITY_DEPTH best-ranked documents, two consecutive query words found side by
# side (stop words not counted) add this share of their phrase score in these fields (docs/search.md).
PROXIMITY_WEIGHT = 0.25
PROXIMITY_FIELDS = ("title", "body")
PROXIMITY_DEPTH = 30
SUGGEST_BELOW = 3
KEY_TERMS = 12
# The greetings and thanks of a question (« Bonjour », « Merci », « Cordialement »): common to questions, they say
# nothing of the subject; where few questions are indexed they would even look rare. Never key terms.
COURTESY_TERMS = frozenset(term for word in ("bonjour", "bonsoir", "merci", "remerciements", "cordialement",
                                             "salutations", "madame", "monsieur") for term in analyze(word))
# A similar question holds at least this share of the weight of the text's key terms: a word or two in common, and
# common ones at that (« salarié », « pendant »), is chance, not a similar case. The best SIMILAR_CANDIDATES times
# as many questions as shown are looked at.
SIMILAR_MIN_SHARE = 0.2
SIMILAR_CANDIDATES = 4
FACETS = ("type", "themes")
SNIPPET_CHARS = 240
SNIPPET_FIELD = "body"
_FRAGMENTER = ContextFragmenter(maxchars=200, surround=60)
_SCORER = BasicFragmentScorer()


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
    browsing: bool  # no word of the query can be searched (empty, stop words, symbols): every visible article
    corrected: tuple[tuple[str, str], ...] = ()  # (word typed, word searched) for each word the index did not know

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one)."""
        return max(1, -(-self.total // self.per_page))


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


def _visible_mask(arrays, visibilities, statuses) -> np.ndarray:
    """Return the live documents a user with these visibilities may see in these statuses."""
    return arrays.live & arrays.any_of("visibility", visibilities) & arrays.any_of("status", statuses)


def _facet_counts(arrays, matched: np.ndarray, allowed: np.ndarray, selections: dict[str, np.ndarray]):
    """Count facet values among visible matches, each facet ignoring its own selection."""
    counts = {}
    for name in FACETS:
        base = matched & allowed
        for other, docs in selections.items():
            if other != name:
                base &= docs
        values = ((value, int(np.count_nonzero(base & docs))) for value, docs in arrays.values(name).items())
        counts[name] = dict(sorted(((v, n) for v, n in values if n), key=lambda item: (-item[1], item[0])))
    return counts


def _matched_words(found, docs: np.ndarray, fieldname: str) -> frozenset[str]:
    """Return the words of the query's clauses in ``fieldname`` that match any of ``docs`` (what snippets mark)."""
    words = set()
    for clause, ids in found.clause_docs:
        if clause.fieldname == fieldname and isinstance(clause, (Term, Phrase)) and docs[ids].any():
            words.update([clause.text] if type(clause) is Term else clause.words)
    return frozenset(words)


class _Context:
    """An unmatched word seen by the fragmenter: only its place in the text matters."""

    __slots__ = ("startchar", "endchar")
    matched = False

    def __init__(self, startchar: int, endchar: int):
        """Remember where the word is."""
        self.startchar, self.endchar = startchar, endchar


def _snippet_tokens(text: str, words: frozenset[str]):
    """Yield the words of ``text`` around its matched words, matched ones as Whoosh tokens, for the fragmenter.

    Matched words are found by a prefix search, not by analysing every word; only the words a
    fragment can reach become objects: ``2 × surround`` characters before a match (the fragmenter
    keeps ``surround`` of them) and, after it, words up to ``2 × surround`` characters of word
    length (where a fragment's countdown ends at the latest), so skipping the others changes no fragment.
    """
    matched = matched_spans(text, words)
    if not matched:
        return
    spans = token_spans(text)
    reach = 2 * _FRAGMENTER.surround
    keep = bytearray(len(spans))
    for index, (start, _) in enumerate(spans):
        if start not in matched:
            continue
        before = index
        while before > 0 and spans[before - 1][1] >= start - reach:
            before -= 1
        after, length = index, 0
        while after < len(spans) and length < reach:
            length += spans[after][1] - spans[after][0]
            after += 1
        keep[before : after + 1] = b"\x01" * (min(after + 1, len(spans)) - before)
    for index, (start, end) in enumerate(spans):
        if keep[index]:
            if start in matched:
                yield Token(text=matched[start][1], startchar=start, endchar=end, matched=True, boost=1.0)
            else:
                yield _Context(start, end)


def _snippet(fields: dict, words: frozenset[str]) -> str:
    """Return highlighted body fragments, or the escaped start of the summary/body."""
    text = fields.get(SNIPPET_FIELD) or ""
    if words and text:
        tokens = Highlighter._merge_matched_tokens(_snippet_tokens(text, words))
        fragments = top_fragments(_FRAGMENTER.fragment_tokens(text, tokens), 2, _SCORER, FIRST, minscore=1)
        # A formatter numbers the terms it meets (CSS classes term0, term1…): a fresh one per snippet.
        highlighted = HtmlFormatter(tagname="mark", classname="match", termclass="term").format(fragments)
        if highlighted:
            return highlighted
    text = fields.get("summary") or text
    return escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))


def _article_hit(fields: dict, score: float, snippet: str) -> ArticleHit:
    """Convert an article's stored fields into an ArticleHit."""
    themes = fields.get("themes") or ""
    return ArticleHit(
        slug=fields["slug"],
        title=fields["title"],
        type=fields.get("type") or "",
        themes=tuple(theme for theme in themes.split(",") if theme),
        updated_on=fields.get("updated_on"),
        score=score,
        snippet=snippet,
    )


def _spell_fields(visibilities) -> tuple[str, ...]:
    """The spelling vocabularies a reader of these visibilities may draw on."""
    return tuple(spell_field(visibility) for visibility in sorted(visibilities))


def _corrections(searcher, parsed, visibilities, statuses=("published",)) -> dict[str, Correction]:
    """Return the corrections of the words of ``parsed`` unknown to the articles the reader may see (these
    visibilities and statuses), drawn from the vocabulary of the visibilities given.

    A word found only in articles the reader may not see is corrected like a word found nowhere: otherwise whether it
    is corrected would tell the reader that some hidden article (a jurists' note, a draft) contains it."""
    arrays = index_arrays(searcher)
    visible = _visible_mask(arrays, visibilities, statuses)

    def known(term: str) -> bool:
        """Whether the title or body of a visible article holds ``term``."""
        return any(visible[arrays.leaf_scores(Term(fieldname, term))[0]].any() for fieldname in ("title", "body"))

    return auto_corrections(searcher.reader(), parsed, known, _spell_fields(visibilities))


def _unit_queries(parsed, corrections: dict[str, Correction]) -> list:
    """Return the article query of each unit of ``parsed``, a corrected word also searching its correction."""
    return unit_queries(parsed, ARTICLE_BOOSTS, {word: correction.unit for word, correction in corrections.items()})


def _coordinated(found, scores: np.ndarray) -> np.ndarray:
    """Return ``scores`` times each document's idf-weighted share of the query's units (coordination).

    Missing a rare word costs more than missing a frequent one.
    """
    return scores * found.weight_matched / found.total_weight if found.units > 1 else scores


def _ranking_scores(arrays, parsed, found, candidates: np.ndarray) -> np.ndarray:
    """Return the ranking scores: coordinated BM25F, the best candidates also scored for proximity.

    Where two consecutive query words stand side by side in a field, a ``PROXIMITY_WEIGHT`` share
    of their two BM25F scores in that field is added (what a Whoosh phrase of slop 1 scores).  Only
    the ``PROXIMITY_DEPTH`` best candidates get the bonus (whatever the page), so a document with a
    bonus never falls below one without and pages stay consistent.
    """
    scores = _coordinated(found, found.scores)
    pairs = adjacent_pairs(parsed)
    if not pairs:
        return scores
    best = top_documents(scores, candidates, PROXIMITY_DEPTH)
    bonus = np.zeros(arrays.size)
    for fieldname in PROXIMITY_FIELDS:
        term_scores = {}
        for term in {term for pair in pairs for term in pair}:
            ids, values = arrays.leaf_scores(Term(fieldname, term, boost=ARTICLE_BOOSTS[fieldname]))
            term_scores[term] = dense = np.zeros(arrays.size)
            dense[ids] = values
        # Only the candidates holding both words in the field can have them side by side.
        holding = {(first, second): best[(term_scores[first][best] > 0) & (term_scores[second][best] > 0)]
                   for first, second in pairs}
        for (first, second), docs in arrays.adjacent(fieldname, holding).items():
            bonus[docs] += PROXIMITY_WEIGHT * (term_scores[first][docs] + term_scores[second][docs])
    return scores + _coordinated(found, bonus)


def _suggestion(searcher, arrays, text: str, visibilities, statuses, visible: np.ndarray, total: int) -> str | None:
    """Return a respelled query that finds more visible documents than ``total``, if any."""
    corrected = corrected_text(searcher.reader(), text, _spell_fields(visibilities))
    if corrected:
        parsed = parse(corrected)
        queries = _unit_queries(parsed, _corrections(searcher, parsed, visibilities, statuses))
        found = score_units(arrays, queries).units_matched > 0
        if np.count_nonzero(found & visible) > total:
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
    arrays = index_arrays(searcher)
    allowed = _visible_mask(arrays, visibilities, statuses)
    selected = {"type": types, "themes": themes}
    selections = {name: arrays.any_of(name, values) for name, values in selected.items() if values}
    visible = allowed.copy()
    for docs in selections.values():
        visible &= docs
    text = (query or "").strip()
    parsed = parse(text)
    browsing = not parsed.units
    corrections = {}
    if browsing:
        found, scores = None, np.zeros(arrays.size)
        matched = arrays.live
        matched_all = True
    else:
        corrections = _corrections(searcher, parsed, visibilities, statuses)
        found = score_units(arrays, _unit_queries(parsed, corrections))
        matched = found.units_matched > 0
        matched_all = bool(np.any(visible & (found.units_matched == found.units)))
    hits_filter = matched & visible
    if not browsing:
        if sort == "date":
            scores = _coordinated(found, found.scores)
        else:
            scores = _ranking_scores(arrays, parsed, found, hits_filter)
    total = int(np.count_nonzero(hits_filter))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    if browsing or sort == "date":
        ranked = top_documents(arrays.column("updated_on"), hits_filter, page * per_page, reverse_ties=True)
    else:
        ranked = top_documents(scores, hits_filter, page * per_page)
    words = _matched_words(found, hits_filter, SNIPPET_FIELD) if snippets and found else frozenset()
    hits = []
    for docnum in ranked[(page - 1) * per_page :].tolist():
        fields = searcher.stored_fields(docnum)
        hits.append(_article_hit(fields, float(scores[docnum]), _snippet(fields, words) if snippets else ""))
    return SearchPage(
        query=text,
        total=total,
        page=page,
        per_page=per_page,
        hits=hits,
        facets=_facet_counts(arrays, matched, allowed, selections),
        suggestion=_suggestion(searcher, arrays, text, visibilities, statuses, visible, total)
        if not browsing and total < SUGGEST_BELOW
        else None,
        matched_all_words=matched_all,
        browsing=browsing,
        corrected=tuple((word, correction.spelling) for word, correction in corrections.items()) if total else (),
    )


def _key_terms(searcher, text: str) -> list[tuple[str, float]]:
    """Return the most significant terms of a long free text with their weights, its courtesy words left out."""
    return [(term, weight) for term, weight in searcher.key_terms_from_text(
        "body", text, numterms=KEY_TERMS + len(COURTESY_TERMS)) if term not in COURTESY_TERMS][:KEY_TERMS]


def _key_terms_query(key_terms: list[tuple[str, float]], boosts: dict[str, float]):
    """Return an OR query of ``key_terms`` in the fields of ``boosts``, each weighted by its significance."""
    return Or([Term(fieldname, term, boost=boost * weight) for term, weight in key_terms
               for fieldname, boost in boosts.items()])


def filter_questions(path, text: str, *, limit: int = 500, structure_id=None) -> list[str]:
    """Return the ids of the questions (of one structure if given) whose subject or body holds every word of ``text``
    (with its synonyms and inflections, not its related notions: « insulte » lists no question on harassment that
    says no insult): a filter narrows as words are added, where the similar questions' key terms widen."""
    parsed = parse(text)
    if not parsed.units:
        return []
    structure = Term("structure_id", str(structure_id)) if structure_id is not None else None
    every_unit = And(unit_queries(parsed, QUESTION_BOOSTS, related=False))
    results = get_searcher(path, QUESTIONS).search(every_unit, limit=limit, filter=structure)
    return [hit["id"] for hit in results]


def suggest_articles(path, text: str, visibilities, limit: int = 5, statuses=("published",)) -> list[ArticleHit]:
    """Return articles that may answer a question being typed (subject + description)."""
    searcher = get_searcher(path, ARTICLES)
    key_terms = _key_terms(searcher, text)
    if not key_terms:
        return []
    visible = set(np.flatnonzero(_visible_mask(index_arrays(searcher), visibilities, statuses)).tolist())
    # Whoosh ignores an empty (falsy) filter: with nothing visible, suggest nothing.
    results = searcher.search(_key_terms_query(key_terms, ARTICLE_BOOSTS), limit=limit, filter=visible) if visible else []
    return [_article_hit(hit.fields(), hit.score or 0.0, "") for hit in results]


def search_questions(
    path, text: str, *, limit: int = 5, exclude_id=None, structure_id=None, statuses=None
) -> list[QuestionHit]:
    """Return questions similar to ``text``, optionally within one structure and some statuses: those holding at
    least SIMILAR_MIN_SHARE of the weight of its key terms, best first."""
    searcher = get_searcher(path, QUESTIONS)
    key_terms = _key_terms(searcher, text)
    if not key_terms:
        return []
    filters = []
    if structure_id is not None:
        filters.append(Term("structure_id", str(structure_id)))
    if statuses:
        filters.append(_any_of("status", statuses))
    results = searcher.search(
        _key_terms_query(key_terms, QUESTION_BOOSTS),
        limit=limit * SIMILAR_CANDIDATES,
        filter=And(filters) if filters else None,
        mask=Term("id", str(exclude_id)) if exclude_id is not None else None,
        terms=True,
    )
    weights = dict(key_terms)
    needed = SIMILAR_MIN_SHARE * sum(weights.values())
    results = [hit for hit in results
               if sum(weights.get(word, 0.0) for word in {term.decode() for _field, term in hit.matched_terms()})
               >= needed][:limit]
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
