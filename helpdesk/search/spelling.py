"""Spelling corrections: an elision typed without its apostrophe (« lemployeur »), a verb in the plural no article
writes (« décalent »), and words drawn from the index's own vocabulary (the ``spell_<visibility>`` fields the reader
may see). A word of the French dictionary is no typo: it is never respelled as another word."""
import re
from collections.abc import Callable
from typing import NamedTuple

from whoosh.support.levenshtein import damerau_levenshtein

from .analysis import ELISIONS, STOP_WORDS, analyze, fold, word_tokens
from .dictionary import is_french_word
from .query import ParsedQuery, Unit, word_unit


class Correction(NamedTuple):
    """A query word the index does not know, searched as another: the word shown to the reader, and the unit it
    searches (its terms, and its synonyms or the law's word for it: « pendemie » as « pandémie » also searches
    « épidémie »)."""

    spelling: str
    unit: Unit


def _correction(spelling: str) -> Correction:
    """Return the correction to ``spelling``, searching what that word typed would search."""
    return Correction(spelling, word_unit(spelling))


def _max_distance(word: str) -> int:
    """Allow one typo in short words, two in longer ones."""
    return 1 if len(word) <= 6 else 2


# A word the vocabulary knows is still respelled for "Vouliez-vous dire" when a close word is this many times as
# frequent (a typo that some article body repeats, as Lucene's "more popular" suggestion mode).
MORE_POPULAR = 10


def _frequency(reader, spell_fields: tuple[str, ...], word: str) -> int:
    """How many visible published articles have ``word`` in their title, summary or body."""
    return sum(reader.doc_frequency(fieldname, word) for fieldname in spell_fields)


# The accented letters French words of 4+ letters start with (besides « être », a stop word): the vocabulary keeps
# accents, and its candidates share the typed word's first letter, so « electoins » is also looked for as
# « électoins » (« élections »). Other initial accents (è, ê, î, ô) are too rare to cost a lookup.
_ACCENTED_INITIALS = {"a": "â", "e": "é"}
# A French initial « h » is silent and often forgotten (« arcèlement », « oraire », « ygiène »): a word starting with
# a vowel is also looked for with it.
_VOWELS = frozenset("aeiouyàâéèêîïôûù")


_DOUBLED_LETTER = re.compile(r"(.)\1+")


def _sound(word: str) -> str:
    """How ``word`` sounds, roughly: accents folded, « ph » as « f », doubled letters single. Of two words as close
    in spelling, the one sounding as typed is the correction: French spellers miss a doubled consonant (« démision »
    is « démission », not « décision »; « colective », « aprentissage »)."""
    return _DOUBLED_LETTER.sub(r"\1", fold(word).replace("ph", "f"))


def closest_word(reader, word: str, spell_fields: tuple[str, ...], at_least: int = 0) -> str | None:
    """Return the word of ``spell_fields`` nearest to ``word`` (fewest edits, accents not counted, then sounding as
    typed, then most frequent) among those found in ``at_least`` articles, looking among the words of its first letter,
    accented or not, and those of « h » and the word; a word differing only by its accents is no correction, and a word
    of the French dictionary has none (« orage », which no article writes, is not « orange »). Of candidates as close,
    one sounding as typed comes first (« démision »: « démission », not the more frequent « décision »)."""
    word = word.lower()
    if is_french_word(word):
        return None
    maxdist = _max_distance(word)
    spellings = [initial + word[1:] for initial in word[:1] + _ACCENTED_INITIALS.get(word[:1], "")]
    if word[:1] in _VOWELS:
        spellings.append("h" + word)
    candidates = {
        candidate
        for fieldname in spell_fields
        for spelling in spellings
        for candidate in reader.terms_within(fieldname, spelling, maxdist, prefix=1)
        if fold(candidate) != fold(word)
    }
    ranked = [(damerau_levenshtein(fold(word), fold(candidate)), _sound(candidate) != _sound(word), -frequency,
               candidate)
              for candidate in candidates
              if (frequency := _frequency(reader, spell_fields, candidate)) >= at_least]
    return min(ranked)[-1] if ranked else None


def _correctable(word: str) -> bool:
    """Tell whether ``word`` is worth correcting (long enough, not a number or stop word)."""
    return len(word) >= 4 and word.isalpha() and word.lower() not in STOP_WORDS


# Elided words longest first (« jusqu » before « j »).
_ELISION_PREFIXES = sorted(ELISIONS, key=len, reverse=True)


def _without_elision(word: str, known: Callable[[str], bool]) -> Correction | None:
    """Return ``word`` typed without the apostrophe of an elision (« lemployeur », « darret ») as the word after the
    elided article or pronoun, when that word is a French word and ``known`` (« demision » is no « d'émision »)."""
    folded = fold(word)
    for prefix in _ELISION_PREFIXES:
        rest = folded[len(prefix):]
        if folded.startswith(prefix) and len(rest) >= 3 and rest[0] in "aeiouyh" and is_french_word(rest):
            terms = analyze(rest)
            if len(terms) == 1 and known(terms[0]):
                return _correction(word[len(prefix):].lower())
    return None


def _without_plural_verb_ending(word: str, known: Callable[[str], bool]) -> Correction | None:
    """Return a verb typed in the third person plural (« décalent », « repoussent ») as its singular (« décale »),
    when that word is ``known``: Snowball leaves « -ent » on a verb (it could end a noun: « parent », « accident »),
    so a form no article writes finds nothing, and its closest word is another verb (« décident », « reposent »)."""
    folded = fold(word)
    if folded.endswith("ent") and len(folded) >= 6:
        terms = analyze(folded[:-2])
        if len(terms) == 1 and known(terms[0]):
            return _correction(word[:-2].lower())
    return None


# The endings of the first person singular of a verb of the third group in the present (« veux », « pars »,
# « prends ») and of its third person (« veut », « part », « prend »).
_FIRST_TO_THIRD_PERSON = (("ds", "d"), ("x", "t"), ("s", "t"))


def _in_the_third_person(word: str, known: Callable[[str], bool]) -> Correction | None:
    """Return a verb typed in the first person singular (« je veux », « je pars ») as its third person (« veut »,
    « part »), when that word is ``known``: members write « je », the fiches « le salarié qui veut démissionner »,
    and Snowball stems the two apart (`veux`, `veut`). Only a word of the French dictionary is read so (a typo in
    « -s » is left to the closest-word correction)."""
    folded = fold(word)
    if not is_french_word(word):
        return None
    for first, third in _FIRST_TO_THIRD_PERSON:
        if folded.endswith(first):
            terms = analyze(folded[: -len(first)] + third)
            if len(terms) == 1 and known(terms[0]):
                return _correction(word[: -len(first)].lower() + third)
    return None


def auto_corrections(reader, parsed: ParsedQuery, known: Callable[[str], bool],
                     spell_fields: tuple[str, ...]) -> dict[str, Correction]:
    """Return ``{word: correction}`` for query words none of whose terms (its own, its verb's other forms: « publier »
    is found as « publié ») is ``known``: the word less an elision typed without its apostrophe (« lemployeur »), a
    verb's plural ending (« décalent ») or in the third person (« veux » as « veut »), else its closest word of
    ``spell_fields`` (none for a French word)."""
    corrections = {}
    for unit in parsed.units:
        word = unit.word
        if word is None or not _correctable(word):
            continue
        if any(known(term) for (term,) in unit.alternatives):  # as typed, or as another form of the verb
            continue
        elided = (_without_elision(word, known) or _without_plural_verb_ending(word, known)
                  or _in_the_third_person(word, known))
        if elided:
            corrections[word] = elided
            continue
        correction = closest_word(reader, word, spell_fields)
        if correction and analyze(correction):
            corrections[word] = _correction(correction)
    return corrections


def corrected_text(reader, text: str, spell_fields: tuple[str, ...]) -> str | None:
    """Return ``text`` with each word unknown to the vocabulary of ``spell_fields``, or rare beside a close word,
    replaced by its closest word."""
    pieces, end = [], 0
    for start, _, original in word_tokens(text):
        if not _correctable(original):
            continue
        known = _frequency(reader, spell_fields, original.lower())
        correction = closest_word(reader, original, spell_fields, at_least=known * MORE_POPULAR)
        if correction:
            pieces += [text[end:start], correction]
            end = start + len(original)
    return "".join(pieces) + text[end:] if pieces else None
