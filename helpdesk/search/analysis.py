"""French text analysis for the search indexes.

Chain: tokenise (keeping legal article numbers such as "L. 1234-5" and numbers
such as "1 607" or "1.607" whole, splitting a number glued to a word: "480h" as
"480 h"), drop the plural "s" typed after an acronym ("CDIs" as "CDI"), lowercase,
normalise legal references ("l.1234-5" -> "l1234-5") and
numbers ("1 607", "1.607" -> "1607"), fold accents, drop stop words and
elisions, then stem with Snowball French (a unit abbreviation as its word: "h"
as "heures"; a "j" right after a number as "jours", elsewhere the elision of
"j'ai").  Accents are folded *before* stemming so that "SALARIE", "salariés"
and "Salariée" share a stem; Whoosh's stock ``LanguageAnalyzer("fr")`` stems
first and misses that.

The full-text analyzer runs that chain as one tokenizer whose per-token steps
are cached on the raw token: indexing and highlighting analyse every word of
every body, and a chain of five Whoosh filters costs several times more.
"""

import re
from functools import lru_cache

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

# Order matters: legal references and hyphenated numbers before plain words.  A number glued to a word is two
# tokens, as if spaced ("480h" is "480 h", "10kg" "10 kg", "1er" "1 er", "8h30" "8 h 30"); "€" is a word (euros).
# A "j" (or "jr", "jrs") right after a number, glued or spaced, and not elided ("30j", "30 j.", "7j/7", not
# "2019 j'ai") is the group "days": the abbreviation of "jours".  Single letters joined by dots are an acronym typed
# with dots ("C.S.E.", "S.M.I.C", "c.d.d.i."), one token whose dots are dropped: "CSE", not three elided letters.
# The hyphen of an article number or a hyphenated number may be typed or pasted as another dash: the non-breaking
# hyphen of service-public.fr and Légifrance ("L. 1234‑9"), the en dash a word processor puts in ("L. 1234–9").
TOKEN_PATTERN = r"""(?x)
    (?i:[lrd])(?:\.\s?|\s|-)?\d+(?:[-\u2010-\u2013\u2212]\d+)+   # L. 1234-5, R4228-20, D 12-1, L-1234-5, L. 1234‑5
  | (?i:[lrd])\d+\b                       # L1 (compact form only)
  | (?<!\d)\d{1,3}(?:[\ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)  # 1 607, 10 000, 1 607,50 (thousands spaced)
  | \d+(?:[-\u2010-\u2013\u2212.,]\d+)+      # 1234-5, 1234–5, 35,5, 1.607 (thousands dotted)
  | \d+(?=[^\W\d_])                       # 480 of 480h
  | (?P<days>[jJ](?:(?<=\d.)|(?<=\d[\ \u00a0\u202f].))(?i:rs?)?(?![^\W_]|['’]))  # j of 30j, 30 j., 7j/7
  | (?<=\d)[^\W\d_]+                      # h of 480h, 8h30
  | €
  | (?<![\w.])[^\W\d_](?:\.[^\W\d_])+(?!\.?[^\W_])  # C.S.E. (final dot left out), S.M.I.C
  | (?:[^\W\u02bc]|[\u0300-\u036f])+        # words, their accents decomposed or not; « ʼ » is an apostrophe
"""

# The separators of a legal reference ("l. 1234-5"), and a number whose thousands are grouped ("1 607", "1.607").
_LEGAL_REF_SEPARATORS = re.compile(r"^([lrd])[.\s-]+")
# The dashes typed or pasted for a hyphen (hyphen, non-breaking hyphen, figure dash, en dash, minus sign).
_DASHES = str.maketrans({dash: "-" for dash in "\u2010\u2011\u2012\u2013\u2212"})
_GROUPED_THOUSANDS = re.compile(r"\d{1,3}(?:[.\s]\d{3})+(?:,\d+)?")
_THOUSANDS_SEPARATORS = re.compile(r"[.\s]")
_DOTTED_ACRONYM = re.compile(r"[^\W\d_](?:\.[^\W\d_])+")

# Accents folded, whether a letter carries its accent (« é ») or is followed by a combining one (« e » + U+0301,
# as text decomposed by some systems and a few official texts write it).
FOLDING_MAP = {**accent_map, ord("œ"): "oe", ord("æ"): "ae", ord("Œ"): "oe", ord("Æ"): "ae",
               **{mark: "" for mark in range(0x300, 0x370)}}

ELISIONS = frozenset(
    {"c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "quelqu", "presqu"}
)

# Words that carry no topic in help-desk questions, plus "art" (as in "art. L1234-5"), and the prepositions and
# conjunctions Snowball stems as a content word: "vers" as "versement" (vers), "durant" as "durée" (dur), "entre" as
# "entrée" (entre), "comme" as "commissions" (comm).
EXTRA_STOP_WORDS = frozenset(
    {"art", "quel", "quelle", "quels", "quelles", "comment", "est-ce", "vers", "durant", "entre", "comme"}
)


def fold(text: str) -> str:
    """Lowercase ``text`` and strip its accents."""
    return text.lower().translate(FOLDING_MAP)


STOP_WORDS = frozenset(
    word for raw in stoplists["fr"] | ELISIONS | EXTRA_STOP_WORDS for word in (raw, fold(raw))
)

_snowball_french = stemmer_for_language("fr")
_FEMININE_ENDING = re.compile(r"ee(s?)$")
# A folded "-ie(s)" may have been the past participle "-ié(s)" of an "-ier" verb, whose "é" Snowball removes
# ("licencié" as "licencier"); without it Snowball takes "-ie" for a noun's ending ("licencie" -> licenc).  After n,
# v, b and l (but "-ilie": affilié, résilié) the corpus's "-ie" words are nearly all feminine participles of "-ir"
# verbs (définie, réunie, suivie, subie, établie, remplie), which Snowball alone stems as their verb ("définie" as
# "définir").  Elsewhere the "-ié" reading stays: "-ier" verbs after c, f, p, r (bénéficie, justifie, copie, salarié),
# and nouns that are not their "-ir" verb (partie / partir, sortie / sortir, saisie / saisir).
_PARTICIPLE_ENDING = re.compile(r"(?<![nvb])(?<![^i]l)ie(s?)$")

# Folded words Snowball stems as an unrelated word of the law (its stem in brackets), kept apart at index and query
# time: « liquide », cash or a fluid, and « liquidation » (liquid); « mère » and « mer » (mer: accents are folded
# first); the « intéressement » of wages and « intéressé », concerned (interess); the « prévoyance » of insurance and
# « prévoyant », providing for (prevoi); « notamment » and « note » (not); « cris », shouts, and « crise » (cris:
# « cri » and « crier » are cri).  Each stem less its last two letters still starts its word, as the highlighting's
# prefix search requires.
STEM_EXCEPTIONS = {
    "liquide": "liquide",
    "liquides": "liquide",
    "mere": "mere",
    "meres": "mere",
    "interessement": "interessement",
    "interessements": "interessement",
    "prevoyance": "prevoyanc",
    "prevoyances": "prevoyanc",
    "notamment": "notamment",
    "cri": "cri",
    "cris": "cri",
}


# Unit symbols and abbreviations (folded) indexed as the word they stand for: "35 h" and "35h" as "35 heures".
UNIT_WORDS = {
    "h": "heures",
    "hr": "heures",
    "hrs": "heures",
    "mn": "minutes",
    "min": "minutes",
    "kg": "kilogrammes",
    "km": "kilometres",
    "€": "euros",
    "eur": "euros",
}


def compact(text: str) -> str:
    """Remove the separators of a lowercase legal reference ("l. 1234-5", "l-1234-5" -> "l1234-5"; another dash for
    its hyphen is the hyphen: "l. 1234‑5"), of a number's grouped thousands ("1 607", "1.607" -> "1607"; the decimal
    comma stays: "1 607,50" -> "1607,50") or of an acronym typed with dots ("c.s.e" -> "cse", "l.r.a.r" -> "lrar")."""
    text = text.translate(_DASHES)
    if _GROUPED_THOUSANDS.fullmatch(text):
        return _THOUSANDS_SEPARATORS.sub("", text)
    if _DOTTED_ACRONYM.fullmatch(text):
        return text.replace(".", "")
    return _LEGAL_REF_SEPARATORS.sub(r"\1", text)


def singular_acronym(raw: str) -> str:
    """Return an acronym written with a plural "s" without it ("CDIs" -> "CDI", "SMICs" -> "SMIC"), any other token as
    it is: French acronyms are invariable, and only capitals followed by a lowercase "s" are read so ("IJSS", "RSS"
    keep their final S)."""
    return raw[:-1] if len(raw) > 2 and raw[-1] == "s" and raw[:-1].isalpha() and raw[:-1].isupper() else raw


def stem_french(word: str) -> str:
    """Stem an accent-folded French word (feminine "-ee" is reduced first so "salariee" joins "salarie", "-ie(s)" but
    for "-ir" participles is stemmed as "-ié(s)" so that "licencie" joins "licencier", and "paye" joins "payer"); a
    unit symbol or abbreviation stems as its word ("h" as "heures"); a word of ``STEM_EXCEPTIONS`` has its own stem."""
    if word in STEM_EXCEPTIONS:
        return STEM_EXCEPTIONS[word]
    word = _FEMININE_ENDING.sub(r"e\1", UNIT_WORDS.get(word, word))
    accented, restored = _PARTICIPLE_ENDING.subn(r"ié\1", word)
    stem = fold(_snowball_french(accented)) if restored else _snowball_french(word)
    # Snowball ends the stem of a "-yer" verb in "i" ("payer", "paie", "paiement" -> pai); the folded participle
    # ("payé" as "paye") loses its "e" in Snowball's last step instead, which keeps the "y" (pay): end it in "i" too.
    return stem[:-1] + "i" if stem.endswith("y") else stem


class SingularAcronymFilter(Filter):
    """Drop the plural "s" typed after an acronym, before lowercasing ("CDIs" -> "CDI")."""

    def __call__(self, tokens):
        """Yield tokens with an acronym's plural "s" removed."""
        for token in tokens:
            token.text = singular_acronym(token.text)
            yield token


class LegalRefFilter(Filter):
    """Rewrite "l. 1234-5" / "l 1234-5" tokens to the compact "l1234-5", and "1 607" or "1.607" to "1607"."""

    def __call__(self, tokens):
        """Yield tokens with legal reference and thousands separators removed."""
        for token in tokens:
            if not token.text.isalnum():  # cheap test first: almost every token is a plain word
                token.text = compact(token.text)
            yield token


def _base_chain():
    """Tokeniser, singular acronyms, lowercase and legal reference normalisation shared by every analyzer."""
    return RegexTokenizer(TOKEN_PATTERN) | SingularAcronymFilter() | LowercaseFilter() | LegalRefFilter()


# Raise when a change of the tokeniser, stop words or stemming changes index terms: `flask kb sync` then rebuilds.
# 2: numbers glued to words split ("480h" as "480 h"), unit abbreviations as their words, "€" as "euros".
# 3: a number whose thousands are grouped by spaces is one term ("1 607" as "1607").
# 4: thousands grouped by dots too ("1.607" as "1607"); "j" after a number as "jours" ("30j", "30 j."); "-ie(s)"
#    stemmed as the participle "-ié(s)" ("licencié" as "licencier").
# 5: the elisions "quelqu'" and "presqu'" are stop words ("quelqu'un" as "un").
# 6: "-ie(s)" after n, v, b, l (not "-ilie") stemmed by Snowball alone ("définie" as "définir"); an acronym with a
#    plural "s" as the acronym ("CDIs" as "CDI").
# 7: the folded participle of a "-yer" verb stemmed as the verb ("payé" as "payer", "paiement": pai).
# 8: the prepositions and conjunctions "vers", "durant", "entre", "comme" are stop words.
# 9: words Snowball joins to an unrelated word have their own stem ("liquide" apart from "liquidation").
# 10: an acronym typed with dots is the acronym ("C.S.E." as "CSE").
# 11: "cris" (shouts) stemmed as "cri", "crier", apart from "crise"; the dashes pasted for the hyphen of an article
#     number ("L. 1234‑5", "L 1234–5") and "L-1234-5" are the reference ("l1234-5"); a word whose accents are
#     combining marks is the word ("e" + U+0301 as "é"); the modifier letter apostrophe "ʼ" splits words as "'".
ANALYSIS_VERSION = 11

_TOKEN_RE = re.compile(TOKEN_PATTERN)
_CACHE_LIMIT = 500_000
# Raw token -> (folded text, index term or None for a stop word), shared by every analyzer instance.
_term_cache: dict[str, tuple[str, str | None]] = {}


def _raw_token_terms(raw: str) -> tuple[str, str | None]:
    """Return the folded text of a raw token and its index term (None for a stop word)."""
    text = singular_acronym(raw).lower()
    if not text.isalnum():  # cheap test first: almost every token is a plain word
        text = compact(text)
    text = text.translate(FOLDING_MAP)
    return text, None if not text or text in STOP_WORDS else stem_french(text)


def _token_terms(raw: str) -> tuple[str, str | None]:
    """``_raw_token_terms`` through the shared cache (emptied when it grows past its limit)."""
    entry = _term_cache.get(raw)
    if entry is None:
        if len(_term_cache) > _CACHE_LIMIT:
            _term_cache.clear()
        entry = _term_cache[raw] = _raw_token_terms(raw)
    return entry


_DAYS = ("jours", stem_french("jours"))


def _match_terms(match: re.Match) -> tuple[str, str | None]:
    """Return the folded text and index term of a token matched by ``_TOKEN_RE``: a "j" after a number is "jours"."""
    return _DAYS if match.lastgroup == "days" else _token_terms(match.group())


class FrenchTokenizer(Tokenizer):
    """The indexing/query analyzer: tokenise, lowercase, normalise legal references, fold, drop stop words, stem.

    Yields the same tokens (text, positions renumbered over kept words, character offsets, stopped
    flag) as ``RegexTokenizer(TOKEN_PATTERN) | SingularAcronymFilter() | LowercaseFilter() | LegalRefFilter() |
    CharsetFilter(FOLDING_MAP) | StopFilter(STOP_WORDS, minsize=1) | StemFilter(stem_french)``, except that a
    "j" after a number ("30j") is "jours" where the chain drops it as an elision (a filter does not see what
    precedes a token).
    Its ``version`` is pickled with the index's schema, so an index built with other terms is known to need a rebuild.
    """

    def __init__(self):
        """Record the analysis version the index's terms come from."""
        self.version = ANALYSIS_VERSION

    def __eq__(self, other):
        """Equal to a tokenizer of the same analysis version (one unpickled from an older index has none)."""
        return self.__class__ is other.__class__ and vars(self) == vars(other)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        """Yield the analysed tokens of ``value`` (one reused Token object, as Whoosh tokenizers do)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        keeporiginal = keeporiginal or not tokenize  # as RegexTokenizer does
        spans = (
            ((match.group(), match.start(), match.end(), match.lastgroup) for match in _TOKEN_RE.finditer(value))
            if tokenize
            else [(value, 0, len(value), None)]
        )
        kept_pos = None
        for index, (raw, start, end, group) in enumerate(spans):
            folded, term = _DAYS if group else _token_terms(raw)  # as _match_terms, without a call per token
            if term is None:
                if removestops:
                    continue
                token.text, token.stopped = folded, True
                if positions:
                    token.pos = start_pos + index
            else:
                token.text, token.stopped = term, False
                if positions:
                    kept_pos = start_pos + index if kept_pos is None else kept_pos + 1
                    token.pos = kept_pos
            token.boost = 1.0
            if keeporiginal:
                token.original = raw
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def _fold_classes() -> dict[str, str]:
    """Map each folded letter to a regex class of the lowercase letters that fold to it (e: eéèêë).

    Only Latin-1 and Latin Extended-A letters: enough for French, and small classes keep
    compiling a query's regex cheap (matching is case-insensitive).
    """
    letters: dict[str, set[str]] = {}
    for char in map(chr, range(ord("a"), 0x180)):
        folded = fold(char)
        if char.islower() and len(folded) == 1 and folded.isascii() and folded.isalpha():
            letters.setdefault(folded, {folded}).add(char)
    return {folded: "[" + "".join(sorted(chars)) + "]" for folded, chars in letters.items()}


_FOLD_CLASSES = _fold_classes()


def _units_by_term() -> dict[str, tuple[str, ...]]:
    """Map the index term of each unit word to the abbreviations indexed as it (heur: h, hr, hrs; jour: j, jr, jrs)."""
    units: dict[str, tuple[str, ...]] = {_DAYS[1]: ("j", "jr", "jrs")}
    for unit, word in UNIT_WORDS.items():
        units[stem_french(word)] = units.get(stem_french(word), ()) + (unit,)
    return units


_UNITS_BY_TERM = _units_by_term()
_MULTI_LETTER_FOLDS = frozenset(folded for folded in FOLDING_MAP.values() if len(folded) > 1)


@lru_cache(maxsize=1024)
def _prefix_regex(terms: frozenset[str]):
    """Return a regex finding words that may have one of ``terms`` as index term, or None if it can't.

    A French stem, less its last two letters, starts every word it comes from (chevaux ->
    cheval, électricité -> electriqu), and a unit abbreviation is looked for as written (h for
    heures); a word may follow a digit (480h); an acronym may be typed with dots (its first two letters: the "C.S"
    of "C.S.E." for cse).  The words found are then checked through the analyzer.
    """
    alternatives = []
    for term in terms:
        prefix = term[: max(2, len(term) - 2)]
        if not prefix.isalpha() or not prefix.isascii() or any(m in prefix for m in _MULTI_LETTER_FOLDS):
            return None
        letters = [_FOLD_CLASSES.get(letter, letter) for letter in prefix]
        alternatives.append("".join(letters))
        if len(letters) > 1:
            alternatives.append(letters[0] + r"\." + letters[1])
        alternatives.extend(re.escape(unit) + r"(?![^\W\d])" for unit in _UNITS_BY_TERM.get(term, ()))
    return re.compile(r"(?<![^\W\d])(?:" + "|".join(sorted(alternatives)) + ")", re.IGNORECASE)


def matched_spans(text: str, terms: frozenset[str]) -> dict[int, tuple[int, str]]:
    """Return ``{start: (end, index term)}`` of the tokens of ``text`` whose index term is one of ``terms``.

    Plain words are looked for with an accent- and case-insensitive prefix search, so a long
    text costs a regex scan rather than analysing each of its words; other terms (legal
    references, numbers) make it analyse every token.
    """
    regex = _prefix_regex(terms) if terms else None
    if regex is None:
        candidates = _TOKEN_RE.finditer(text)
    else:
        candidates = (_TOKEN_RE.match(text, found.start()) for found in regex.finditer(text))
    found = {}
    for token in candidates:
        term = _match_terms(token)[1] if token else None
        if term in terms:
            found[token.start()] = (token.end(), term)
    return found


def token_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every token of ``text``."""
    return [(token.start(), token.end()) for token in _TOKEN_RE.finditer(text)]


def french_analyzer():
    """Return the indexing/query analyzer: fold accents, drop stop words, stem."""
    return FrenchTokenizer()


def spelling_analyzer():
    """Return the analyzer of the spelling vocabulary: real words as written, accents kept."""
    return _base_chain() | StopFilter(stoplist=STOP_WORDS, minsize=3)


_FRENCH = french_analyzer()


@lru_cache(maxsize=4096)
def analyze(text: str) -> tuple[str, ...]:
    """Return the index terms of ``text`` (stemmed, folded, stop words removed)."""
    return tuple(token.text for token in _FRENCH(text))


def word_tokens(text: str) -> list[tuple[int, str, str]]:
    """Return ``(start, folded, original)`` for every token of ``text``, stop words included; ``folded`` is the word
    the token stands for, lowercase and without accents ("jours" for the "j" of "30j")."""
    return [(match.start(), _match_terms(match)[0], match.group()) for match in _TOKEN_RE.finditer(text)]
