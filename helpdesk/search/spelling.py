"""Spelling corrections drawn from the index's own vocabulary (the ``spell`` field)."""

from whoosh.support.levenshtein import damerau_levenshtein

from .analysis import STOP_WORDS, analyze, word_tokens
from .query import ParsedQuery

SPELL_FIELD = "spell"


def _max_distance(word: str) -> int:
    """Allow one typo in short words, two in longer ones."""
    return 1 if len(word) <= 6 else 2


def closest_word(reader, word: str) -> str | None:
    """Return the vocabulary word nearest to ``word`` (fewest edits, then most frequent)."""
    word = word.lower()
    maxdist = _max_distance(word)
    candidates = [
        (damerau_levenshtein(word, candidate), -reader.doc_frequency(SPELL_FIELD, candidate), candidate)
        for candidate in reader.terms_within(SPELL_FIELD, word, maxdist, prefix=1)
        if candidate != word
    ]
    return min(candidates)[2] if candidates else None


def _correctable(word: str) -> bool:
    """Tell whether ``word`` is worth correcting (long enough, not a number or stop word)."""
    return len(word) >= 4 and word.isalpha() and word.lower() not in STOP_WORDS


def auto_corrections(reader, parsed: ParsedQuery, fieldnames: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Return ``{word: terms}`` for query words found in none of ``fieldnames``."""
    corrections = {}
    for unit in parsed.units:
        word = unit.word
        if word is None or not _correctable(word):
            continue
        (term,) = unit.alternatives[0]
        if any(reader.doc_frequency(fieldname, term) for fieldname in fieldnames):
            continue
        correction = closest_word(reader, word)
        if correction and analyze(correction):
            corrections[word] = analyze(correction)
    return corrections


def corrected_text(reader, text: str) -> str | None:
    """Return ``text`` with words unknown to the vocabulary replaced by their closest word."""
    pieces, end = [], 0
    for start, _, original in word_tokens(text):
        if not _correctable(original) or reader.doc_frequency(SPELL_FIELD, original.lower()):
            continue
        correction = closest_word(reader, original)
        if correction:
            pieces += [text[end:start], correction]
            end = start + len(original)
    return "".join(pieces) + text[end:] if pieces else None
