"""Whole-index arrays for fast article search: scores, filters and facets as numpy operations.

Whoosh scores a query one matching document at a time through a tree of
Python matchers, so a frequent word (tens of thousands of documents) costs
hundreds of milliseconds.  Here each query term's postings are read once per
index segment, a block at a time, into arrays (document numbers and term
frequencies) kept in a bounded per-process cache; a query's BM25F scores are
then a few array operations over every document at once, with exactly
Whoosh's statistics (idf, average field length, byte-encoded field lengths),
so rankings equal those of ``searcher.search`` with the same weighting.
Per-value document masks (visibility, status, type, themes) make filters and
facet counts array operations too.  Queries other than terms (phrases) are
scored by their Whoosh matcher, as before.

A segment never changes once written, so segment arrays are cached by segment
id; only what depends on the whole index (deletions, statistics) is rebuilt
for a new searcher, which a commit creates.
"""

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import Or, Term
from whoosh.util.numeric import byte_to_length

POSTINGS_CACHE_BYTES = 96 * 1024 * 1024
POSITIONS_CACHE_BYTES = 16 * 1024 * 1024
# The field length each byte of Whoosh's one-byte length encoding stands for.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class _PostingsCache:
    """Least recently used ``key -> value`` (postings arrays, positions), bounded in bytes."""

    def __init__(self, limit: int):
        """Start empty, holding at most ``limit`` bytes of values."""
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict = OrderedDict()  # key -> (value, its size in bytes)
        self.lock = threading.Lock()

    def get(self, key):
        """Return the cached value of ``key`` (marking it recently used), or None."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[0]

    def put(self, key, value, nbytes: int) -> None:
        """Cache ``value`` (``nbytes`` large) for ``key``, evicting the least recently used entries beyond the limit."""
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (value, nbytes)
            self.size += nbytes
            while self.size > self.limit and len(self.entries) > 1:
                _, (_, evicted) = self.entries.popitem(last=False)
                self.size -= evicted


_postings = _PostingsCache(POSTINGS_CACHE_BYTES)
# (segment, field, term, local document) -> the term's positions there, for proximity.
_positions = _PostingsCache(POSITIONS_CACHE_BYTES)
_segment_arrays: dict = {}
_segment_arrays_lock = threading.Lock()
SEGMENT_CACHE_ENTRIES = 512


def _segment_key(reader):
    """Return what identifies a segment's (immutable) content."""
    segment = reader.segment()
    return segment.segment_id() if segment is not None else id(reader)


def _segment_cached(reader, name: str, build):
    """Return ``build()`` for this segment and ``name``, computed once per segment."""
    key = (_segment_key(reader), name)
    value = _segment_arrays.get(key)
    if value is None:
        value = build()
        with _segment_arrays_lock:
            _segment_arrays[key] = value
            while len(_segment_arrays) > SEGMENT_CACHE_ENTRIES:
                del _segment_arrays[next(iter(_segment_arrays))]
    return value


def _read_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Read every posting of a term in one segment: local document numbers and term frequencies.

    Deleted documents are included (the caller masks them): the arrays then stay valid
    for the segment's whole life.
    """
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the segment has deletions
        matcher = matcher.child
    ids, weights, block_starts = [], [], []
    while matcher.is_active():
        matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        block_starts.append(len(ids))
        ids.extend(block_ids)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * len(block_ids))
        else:
            weights.extend(block_weights)
        matcher._next_block()
    ids = np.array(ids, dtype=np.int32)
    if not matcher._byteids and len(ids):
        # Each block stores its ids as deltas from the block's start: a running sum restarted per block.
        totals = np.cumsum(ids)
        starts = np.array(block_starts)
        before = np.where(starts > 0, totals[np.maximum(starts - 1, 0)], 0)
        ids = (totals - np.repeat(before, np.diff(np.append(starts, len(ids))))).astype(np.int32)
    return ids, np.array(weights, dtype=np.float32)


def _segment_postings(reader, fieldname: str, btext: bytes):
    """Return a term's postings in one segment, from the cache when read before."""
    key = (_segment_key(reader), fieldname, btext)
    value = _postings.get(key)
    if value is None:
        value = _read_postings(reader, fieldname, btext)
        _postings.put(key, value, value[0].nbytes + value[1].nbytes)
    return value


@dataclass
class IndexArrays:
    """Arrays over every document number of one searcher (deleted ones included, marked not live)."""

    searcher: object
    size: int
    live: np.ndarray
    leaves: list
    _lengths: dict = field(default_factory=dict)
    _values: dict = field(default_factory=dict)
    _columns: dict = field(default_factory=dict)

    def lengths(self, fieldname: str) -> np.ndarray:
        """Return every document's (byte-encoded, as Whoosh scores them) length in ``fieldname``."""
        if fieldname not in self._lengths:

            def build(reader):
                """Decode one segment's length column."""
                count = reader.doc_count_all()
                column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
                if column is None:
                    return np.zeros(count)
                return _LENGTHS[np.fromiter(column, np.uint8, count)]

            self._lengths[fieldname] = self._concat(
                [_segment_cached(reader, f"len:{fieldname}", lambda r=reader: build(r)) for reader, _ in self.leaves]
            )
        return self._lengths[fieldname]

    def values(self, fieldname: str) -> dict[str, np.ndarray]:
        """Return ``{value: boolean mask}`` of a keyword/ID field (filters and facets)."""
        if fieldname not in self._values:
            parts = [_segment_cached(reader, f"val:{fieldname}", lambda r=reader: _segment_values(r, fieldname))
                     for reader, _ in self.leaves]
            masks = {}
            for (_, offset), part in zip(self.leaves, parts):
                for value, local in part.items():
                    mask = masks.get(value)
                    if mask is None:
                        mask = masks[value] = np.zeros(self.size, bool)
                    mask[local.astype(np.int64) + offset] = True
            self._values[fieldname] = dict(sorted(masks.items()))
        return self._values[fieldname]

    def any_of(self, fieldname: str, wanted) -> np.ndarray:
        """Return the mask of documents having any of ``wanted`` in ``fieldname``."""
        masks = self.values(fieldname)
        result = np.zeros(self.size, bool)
        for value in wanted:
            mask = masks.get(str(value))
            if mask is not None:
                result |= mask
        return result

    def column(self, fieldname: str) -> np.ndarray:
        """Return a sortable column's raw values for every document, 0 where a document has none.

        (Whoosh stores the column's default, the largest value, for a missing one: it would sort first.)
        """
        if fieldname not in self._columns:
            self._columns[fieldname] = self._concat([
                _segment_cached(reader, f"col:{fieldname}", lambda r=reader: _segment_column(r, fieldname))
                for reader, _ in self.leaves
            ])
        return self._columns[fieldname]

    def _concat(self, parts: list[np.ndarray]) -> np.ndarray:
        """Join per-segment arrays in document-number order."""
        return np.concatenate(parts) if parts else np.zeros(0)

    def leaf_scores(self, query) -> tuple[np.ndarray, np.ndarray]:
        """Return (document numbers, scores) of one term or phrase query, as Whoosh would score them."""
        if type(query) is Term:
            return self._term_scores(query)
        context = self.searcher.context()
        ids, scores = [], []
        for subsearcher, offset in self.searcher.leaf_searchers():
            matcher = query.matcher(subsearcher, context)
            while matcher.is_active():
                ids.append(offset + matcher.id())
                scores.append(matcher.score())
                matcher.next()
        return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)

    def adjacent(self, fieldname: str, candidates: dict[tuple[str, str], np.ndarray]) -> dict[tuple[str, str], np.ndarray]:
        """Return, for each (first, second) term pair, those of its candidate documents where ``second`` directly follows ``first``.

        Stop words are not counted (the analyzer renumbers positions), as in a Whoosh phrase of slop 1.
        Each term's positions are read once, and only for the candidates, not for every document
        of two frequent words.
        """
        wanted: dict[str, list] = {}
        for pair, docs in candidates.items():
            for term in pair:
                wanted.setdefault(term, []).append(docs)
        positions = {term: self._positions(fieldname, term, np.unique(np.concatenate(docs)))
                     for term, docs in wanted.items()}
        return {
            (first, second): np.array(
                [doc for doc in docs.tolist()
                 if doc in positions[first] and doc in positions[second]
                 and not {p + 1 for p in positions[first][doc]}.isdisjoint(positions[second][doc])],
                dtype=np.int64,
            )
            for (first, second), docs in candidates.items()
        }

    def _positions(self, fieldname: str, term: str, docs: np.ndarray) -> dict[int, tuple[int, ...]]:
        """Return ``{document number: positions}`` of ``term`` in ``fieldname`` for those of ``docs`` holding it.

        Positions are cached per segment and document: a posting block is decoded only for a miss.
        """
        btext = self.searcher.schema[fieldname].to_bytes(term)
        wanted = np.sort(docs)
        found = {}
        for reader, offset in self.leaves:
            local = wanted[(wanted >= offset) & (wanted < offset + reader.doc_count_all())] - offset
            if not len(local) or (fieldname, btext) not in reader:
                continue
            segment = _segment_key(reader)
            matcher = None
            for doc in local.tolist():
                key = (segment, fieldname, btext, doc)
                places = _positions.get(key)
                if places is None:
                    if matcher is None:
                        matcher = reader.postings(fieldname, btext)
                    if matcher.is_active() and matcher.id() < doc:
                        matcher.skip_to(doc)
                    places = tuple(matcher.value_as("positions")) if matcher.is_active() and matcher.id() == doc else ()
                    _positions.put(key, places, 64 + 8 * len(places))
                if places:
                    found[offset + doc] = places
        return found

    def _term_scores(self, query: Term) -> tuple[np.ndarray, np.ndarray]:
        """Score a term's postings with BM25F over every segment."""
        searcher, fieldname = self.searcher, query.fieldname
        schema_field = searcher.schema[fieldname]
        btext = schema_field.to_bytes(query.text)
        parts = [
            (_segment_postings(reader, fieldname, btext), offset)
            for reader, offset in self.leaves
            if (fieldname, btext) in reader
        ]
        if not parts:
            return np.empty(0, np.int64), np.empty(0)
        ids = np.concatenate([local.astype(np.int64) + offset for (local, _), offset in parts])
        tf = np.concatenate([weights for (_, weights), _ in parts]).astype(np.float64)
        weighting = searcher.weighting
        k1, b = weighting.K1, weighting._field_B.get(fieldname, weighting.B)
        idf = searcher.idf(fieldname, btext)
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = self.lengths(fieldname)[ids]
        scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avgfl)))
        return ids, scores * query.boost if query.boost != 1.0 else scores


def _segment_column(reader, fieldname: str) -> np.ndarray:
    """Return one segment's raw column values, 0 for the documents without a value."""
    values = np.fromiter(reader.column_reader(fieldname, translate=False), np.uint64, reader.doc_count_all())
    values[values == reader.schema[fieldname].column_type.default_value()] = 0
    return values


def _segment_values(reader, fieldname: str) -> dict[str, np.ndarray]:
    """Return ``{value: local document numbers}`` of one segment's keyword/ID field."""
    schema_field = reader.schema[fieldname]
    result = {}
    for btext in reader.lexicon(fieldname):
        local, _ = _read_postings(reader, fieldname, btext)
        result[schema_field.from_bytes(btext)] = local
    return result


_arrays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_arrays_lock = threading.Lock()


def index_arrays(searcher) -> IndexArrays:
    """Return the arrays of ``searcher``, built once per searcher."""
    arrays = _arrays.get(searcher)
    if arrays is None:
        with _arrays_lock:
            arrays = _arrays.get(searcher)
            if arrays is None:
                # An index without documents has one empty reader, without columns: no leaves.
                leaves = [(reader, offset) for reader, offset in searcher.reader().leaf_readers()
                          if reader.doc_count_all()]
                size = searcher.doc_count_all()
                live = np.ones(size, bool)
                for reader, offset in leaves:
                    deleted = reader.deleted_docs_set if hasattr(reader, "deleted_docs_set") else ()
                    if deleted:
                        live[np.fromiter(deleted, np.int64, len(deleted)) + offset] = False
                # A weak reference: the entry must not keep its own key alive, or every searcher
                # replaced after an index change would stay in memory with its arrays.
                arrays = _arrays[searcher] = IndexArrays(weakref.proxy(searcher), size, live, leaves)
    return arrays


@dataclass(frozen=True)
class UnitScores:
    """A query's summed scores and, per document, how many of its units it contains and their weight."""

    scores: np.ndarray
    units_matched: np.ndarray
    units: int
    clause_docs: list  # (clause, its document numbers) for every clause of every unit
    weight_matched: np.ndarray  # per document, the summed weights (``unit_weight``) of the units it contains
    total_weight: float  # the summed weights of every unit of the query


def unit_weight(documents: int, matching: int) -> float:
    """Return the weight of a query unit found in ``matching`` of ``documents``: BM25's idf of the unit.

    A unit found in few documents (a specific word, an acronym with its expansions) weighs more
    than one found almost everywhere ("travail", "salarié").
    """
    return float(np.log(1 + (documents - matching + 0.5) / (matching + 0.5)))


def score_units(arrays: IndexArrays, unit_queries: list) -> UnitScores:
    """Sum the scores of every clause of every unit (as Whoosh's Or does), count and weigh units per document."""
    scores = np.zeros(arrays.size)
    units_matched = np.zeros(arrays.size, np.int16)
    weight_matched = np.zeros(arrays.size)
    total_weight = 0.0
    documents = int(np.count_nonzero(arrays.live))
    clause_docs = []
    for unit in unit_queries:
        in_unit = np.zeros(arrays.size, bool)
        for clause in unit.subqueries if type(unit) is Or else [unit]:
            ids, clause_scores = arrays.leaf_scores(clause)
            scores[ids] += clause_scores
            in_unit[ids] = True
            clause_docs.append((clause, ids))
        units_matched += in_unit
        in_unit &= arrays.live
        weight = unit_weight(documents, int(np.count_nonzero(in_unit)))
        weight_matched[in_unit] += weight
        total_weight += weight
    return UnitScores(scores, units_matched, len(unit_queries), clause_docs, weight_matched, total_weight)


def top_documents(keys: np.ndarray, candidates: np.ndarray, limit: int, *, reverse_ties: bool = False) -> np.ndarray:
    """Return up to ``limit`` candidate document numbers by descending key.

    Ties go to the lower document number (Whoosh's top collector), or to the higher one
    with ``reverse_ties`` (Whoosh's reversed sort).
    """
    docs = np.flatnonzero(candidates)
    if not len(docs) or limit <= 0:
        return docs[:0]
    values = keys[docs]
    if len(docs) > limit:
        threshold = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= threshold
        docs, values = docs[keep], values[keep]
    order = np.lexsort((docs if reverse_ties else -docs, values))[::-1]
    return docs[order][:limit]
