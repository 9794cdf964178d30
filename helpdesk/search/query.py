"""Turn what a user types into Whoosh queries; user input never raises.

The text is read as plain words; the only syntax is "quoted phrases".  Words
and phrases become *units*; a unit matching a synonym group (see
``synonyms.py``) gets every expression of the group as alternatives, a
multiword expression being searched as a phrase, and a member's word for a conduct at work (« insulte ») the
notions of the law it may fall under (« harcèlement moral »), weighted below the words typed; an ordinal (« 1er »,
« premier », « 14e », « quatorzième ») is one unit written every way the corpus writes it.  Words that only make the text
a question ("peut-on", "combien", "faut-il", the "droit" of "ai-je droit à"), name the kind of answer asked
for ("définition", "exemple"), its source ("code du travail") or, in a prepositional locution, how its words relate
("à cause de", "dans le cadre de") are left out, unless nothing else is left.
Search-engine operators typed in capitals are read for what they mean here:
AND and OR are dropped (any word matches, documents with more of them rank
higher), NOT drops itself and the word after it (that word is not searched;
nothing is excluded).
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from whoosh.query import Or, Phrase, Term

from .analysis import STOP_WORDS, analyze, fold, singular_acronym, word_tokens
from .dictionary import participle_infinitive
from .synonyms import CASE_SENSITIVE, EVERYDAY_WORDS, RELATED_NOTIONS, SYNONYM_GROUPS

_QUOTES = re.compile(r"[\"“”«»]")

# Modal verbs (« pouvoir » in the persons a question uses: « est-ce que je peux… », « puis-je… », « peut-on… »),
# interrogatives, the auxiliaries' infinitives of French questions (folded; the other forms of être and avoir are stop
# words) and those of « savoir », « connaître », « trouver » (« comment savoir si… », « où trouver ma convention
# collective »), and the nouns naming the kind of answer asked for rather than its subject (« définition d'un CDI »,
# « exemple de calcul », « différence entre invalidité et inaptitude »): they name no topic of labour law.
QUESTION_WORDS = frozenset(
    fold(word)
    for word in (
        "peux", "peut", "peuvent", "puis", "pouvez", "pouvons", "doit", "doivent", "dois", "devez", "faut",
        "quoi", "quand", "pourquoi", "combien", "cela", "ça", "faire", "fait", "être", "avoir", "savoir", "connaître",
        "trouver", "définition", "définitions", "exemple", "exemples", "différence", "différences",
    )
)
# « droit(s) » names what the question asks for, not its subject, after a form of « avoir » (« ai-je droit à un
# congé », « a-t-on le droit de refuser ») or « être » (« quels sont les droits ») or a possessive (« mes droits »),
# the articles and subject pronouns between them aside; elsewhere it is a notion of the law (« droit de retrait »,
# « droit d'alerte », « droit local »).
ENTITLEMENT_WORDS = frozenset({"droit", "droits"})
ENTITLEMENT_LEADS = frozenset({
    "ai", "a", "as", "avons", "avez", "ont", "avoir", "aura", "aurai", "auras", "aurons", "aurez", "auront", "aurais",
    "aurait", "aurions", "auriez", "auraient", "avais", "avait", "avions", "aviez", "avaient", "ayant", "eu",
    "sont", "mes", "tes", "ses", "nos", "vos", "leurs", "mon", "ton", "son", "notre", "votre", "leur",
})
_ENTITLEMENT_SKIPPED = frozenset({"le", "les", "l", "un", "des", "je", "j", "tu", "il", "elle", "on", "nous", "vous",
                                  "ils", "elles", "t"})
# The name of the code a question asks about (« travail de nuit code du travail », « que dit le code du travail »):
# the source of the answer sought, not its subject, and its « travail » would favour any text on work.
SOURCE_EXPRESSIONS = frozenset({("code", "du", "travail"), ("code", "de", "travail")})
# Prepositional locutions (folded, with the preposition that ends them): their noun or verb (« cause », « suite »,
# « cadre », « partir ») says how the question's words relate, not what it is about (« absent à cause de la neige »,
# « arrêt suite à un accident », « démissionner dans le cadre d'un CDD », « à partir de quand »); likewise the
# « compte » of « pris en compte », « tenir compte » (counted), not the « compte » of the CPF or a savings account.
_OF, _TO = ("de", "d", "du", "des"), ("a", "au", "aux")
LOCUTIONS = frozenset(
    head + (preposition,)
    for heads, prepositions in (
        ((("a", "cause"), ("en", "raison"), ("dans", "le", "cadre"), ("a", "propos"), ("au", "sujet"), ("au", "niveau"),
          ("en", "fonction"), ("au", "bout"), ("a", "partir"), ("vis", "a", "vis")), _OF),
        ((("suite",), ("par", "rapport")), _TO),
    )
    for head in heads
    for preposition in prepositions
) | frozenset((verb, "en", "compte") for verb in ("prendre", "pris", "prise", "prises", "entre", "entrer")) | frozenset(
    {("tenir", "compte"), ("tient", "compte")})
# The weight of a related notion against the words typed (``RELATED_NOTIONS``): found, it ranks a text, but below
# one holding what the member wrote.
RELATED_WEIGHT = 0.5
IGNORED_OPERATORS = frozenset({"AND", "OR"})
NEGATION = "NOT"


@dataclass(frozen=True)
class Unit:
    """One query element: alternative term sequences (several terms = a phrase), and the notions of the law its words
    may fall under, searched with a lower weight (« insulte »: « harcèlement moral »)."""

    alternatives: tuple[tuple[str, ...], ...]
    word: str | None = None  # the word as typed, for single-word units (spelling)
    question: bool = False  # a word that only makes the text a question here (« droit » of « ai-je droit à »)
    related: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ParsedQuery:
    """A user query as units."""

    units: tuple[Unit, ...]


class Expansion(NamedTuple):
    """What an expression of the synonym tables searches: its alternatives (itself, its synonyms, the law's word for
    an everyday one) and the notions it may fall under (searched with ``RELATED_WEIGHT``)."""

    alternatives: tuple[tuple[str, ...], ...]
    related: tuple[tuple[str, ...], ...] = ()
    case_sensitive: bool = False


def _analyzed(expressions) -> tuple[tuple[str, ...], ...]:
    """The terms of each expression that has any, once each."""
    return tuple(dict.fromkeys(terms for terms in map(analyze, expressions) if terms))


@lru_cache(maxsize=1)
def _synonym_index() -> dict[tuple[str, ...], Expansion]:
    """Map each synonym expression (folded words) to its expansion; an acronym also under its plural typed in
    lowercase (« cdis », « smics »: typed as « CDIs » the analyzer already reads the singular), except the
    case-sensitive ones, whose plural in lowercase is a French word (« ces », « ais »), and a word under its plural
    (« mutuelles »: a single word is not found by its stem, which an abbreviation may share); an everyday word to itself
    and the words of the law it also searches (« viré »: itself and « licenciement »), one way; a member's word for a
    conduct to itself and, as related notions, those of the law it may fall under, one way."""
    index: dict = {}
    for group in SYNONYM_GROUPS:
        alternatives = _analyzed(group)
        for expression in group:
            keys = [tuple(folded for _, folded, _ in word_tokens(expression))]
            if expression.isalpha() and expression.isupper() and expression not in CASE_SENSITIVE:
                keys.append((keys[0][0] + "s",))
            elif expression.isalpha() and expression.islower() and not expression.endswith(("s", "x")):
                keys.append((keys[0][0] + "s",))  # a word in the plural: « mutuelles », « inaptes »
            for key in keys:
                known = index.get(key, Expansion(())).alternatives
                index[key] = Expansion(tuple(dict.fromkeys(known + alternatives)),
                                       case_sensitive=expression in CASE_SENSITIVE)
    for table in (EVERYDAY_WORDS, RELATED_NOTIONS):
        for expressions, searched in table:
            targets = _analyzed(searched)
            for expression in expressions:
                key = tuple(folded for _, folded, _ in word_tokens(expression))
                known = index.get(key, Expansion((analyze(expression),)))
                index[key] = (known._replace(alternatives=tuple(dict.fromkeys(known.alternatives + targets)))
                              if table is EVERYDAY_WORDS
                              else known._replace(related=tuple(dict.fromkeys(known.related + targets))))
    return index


@lru_cache(maxsize=1)
def _synonym_stem_index() -> dict[tuple[str, ...], Expansion]:
    """Map the index terms (stems, stop words left out) of each expression of several words to its expansion, so
    that an inflected form finds its group (« activités partielles », « contrats à durée déterminée »). One word is
    left to its own stem: an abbreviation's stem may be a common word's (AGS and « âge » both stem to « ag »)."""
    index: dict = {}
    for key, expansion in _synonym_index().items():
        stems = analyze(" ".join(key))
        if len(stems) > 1:
            known = index.get(stems, Expansion(()))
            index[stems] = Expansion(tuple(dict.fromkeys(known.alternatives + expansion.alternatives)),
                                     tuple(dict.fromkeys(known.related + expansion.related)))
    return index


def _synonyms_at(tokens: list, i: int, longest: int) -> tuple[Expansion | None, int]:
    """The expansion of the longest synonym expression starting at token `i` and the tokens it spans; (None, 0) for
    none. An expression matches as written (folded; a case-sensitive abbreviation only in capitals), else, for several
    words, by its stems: the longest wins either way, so « CDD d'usages » is the CDDU, not the « CDD » written first,
    and « mi-temps thérapeutiques » not « mi-temps »."""
    index, stems = _synonym_index(), _synonym_stem_index()
    for size in range(min(longest, len(tokens) - i), 0, -1):
        span = tokens[i : i + size]
        expansion = index.get(tuple(folded for _, folded, _ in span))
        if expansion and (not expansion.case_sensitive
                          or all(singular_acronym(original).isupper() for _, _, original in span)):
            return expansion, size
        # « de licenciement » is « licenciement », found from its own first word
        if size > 1 and span[0][1] not in STOP_WORDS and span[-1][1] not in STOP_WORDS:
            expansion = stems.get(analyze(" ".join(folded for _, folded, _ in span)))
            if expansion:
                return expansion, size
    return None, 0


# Typed with its accent, a word in « -é(e)(s) » is the past participle of an « -er » verb.
_PARTICIPLE_ENDINGS = ("é", "ée", "és", "ées")


# The endings of a verb in « -ionner » (folded): infinitive, present, participle, imperfect, present participle.
_IONNER_VERB = re.compile(r"ionn(?:er|e|es|ent|ez|ons|ee|ees|ais|ait|aient|ant)$")


def _other_forms(original: str, folded: str, terms: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The stems of a verb's other forms that a query word also searches, where Snowball, on folded words, gives them
    another stem than the word's own (else ()):

    * a verb in « -ailler » also searches its noun in « -ail » (« travailler », « travaillé »: `travaill`, also
      `travail`; « détaillé » also « détail »): Snowball undoubles the « ll » of « -eill » (« conseiller » as
      « conseil ») but not of « -aill »; the index keeps the verb apart (the noun then finds its own documents only, as
      measured in docs/search.md), the query of a verb also looks for the noun the law and the fiches write;
    * a past participle typed with its accent also searches its infinitive (« dépassé » `dep` also `depass`, as
      « dépasser », « dépassement »; « publié » `publ` also `publi`, « reclassé » also « reclassement »), and an
      infinitive in « -er » its participle (« dépasser » also « dépassé », « dépasse »; « publier » also « publié »):
      Snowball removes « -asse » as a subjunctive ending, and the analyzer reads a folded « -lie » as the participle
      of an « -ir » verb (« établie »). Typed without its accents, a word is read as a participle when the French
      dictionary holds it as one, accents restored, and holds its infinitive (« depasse » as « dépassé », « publie »
      as « publié »; not « assistante »). Not from « -ier » words other than « -blier », « -plier », mostly nouns and
      adjectives whose « -ie » form is another word (« particulier », « journalier », « panier »); nor an infinitive
      whose « -er » Snowball keeps, no verb it knows (« année » would search « anner »);
    * a verb in « -ionner » also searches its noun in « -ion » (« démissionner », « démissionné »: `demission`, also
      `demiss` as « démission »; « sélectionner » also « sélection »): Snowball takes « -ion » off a long enough noun
      but leaves it in the verb's stem, so a member asking how to « démissionner » found no fiche on the
      « démission ». Only a verb's own endings count: an adjective in « -ionnel » (« conventionnelle »,
      « professionnel ») keeps to its word, or « rupture conventionnelle » would also search « convention »."""
    if len(terms) != 1:
        return ()
    forms = []
    if terms[0].endswith("aill"):
        forms.append((terms[0][:-1],))
    if verb := _IONNER_VERB.search(folded):
        forms.append(analyze(folded[: verb.start() + 3]))
    typed = original.lower()
    participle = max((ending for ending in _PARTICIPLE_ENDINGS if typed.endswith(ending)), key=len, default="")
    if participle and len(folded) - len(participle) >= 2:
        forms.append(analyze(folded[: -len(participle)] + "er"))
    elif infinitive := participle_infinitive(folded):
        forms.append(analyze(infinitive))
    elif folded.endswith("er") and len(folded) >= 5 and (not folded.endswith("ier")
                                                          or folded.endswith(("blier", "plier"))):
        forms.append(analyze(folded[:-2] + "e"))
    return tuple(dict.fromkeys(form for form in forms if len(form) == 1 and form != terms
                               and not form[0].endswith("er")))


# Ordinals in letters by rank (folded): « premier » and « première » are 1, « second(e) » 2; plurals are left out
# (« les 45 premiers jours » is no « 1er »).
ORDINAL_WORDS = {
    fold(word): rank
    for rank, words in enumerate((
        ("premier", "première"), ("deuxième", "second", "seconde"), ("troisième",), ("quatrième",), ("cinquième",),
        ("sixième",), ("septième",), ("huitième",), ("neuvième",), ("dixième",), ("onzième",), ("douzième",),
        ("treizième",), ("quatorzième",), ("quinzième",), ("seizième",),
    ), start=1)
    for word in words
}
# What follows the number of an ordinal in figures, typed or with the superscript lost (« 1er », « 1 er », « 1re »,
# « 1ère », « 14e », « 14 e », « 14ème », « 2nd »), folded.
ORDINAL_SUFFIXES = frozenset({"er", "ere", "re", "e", "eme", "ieme", "nd", "nde"})


def _ordinal_at(tokens: list, i: int) -> tuple[int, int]:
    """The rank of the ordinal starting at token ``i`` and the tokens it spans (« 14e », « 14 ème »: two;
    « quatorzième »: one), else (0, 0)."""
    folded = tokens[i][1]
    if folded in ORDINAL_WORDS:
        return ORDINAL_WORDS[folded], 1
    if folded.isdigit() and i + 1 < len(tokens) and tokens[i + 1][1] in ORDINAL_SUFFIXES:
        return int(folded), 2
    return 0, 0


def _ordinal_alternatives(rank: int) -> tuple[tuple[str, ...], ...]:
    """Every way the corpus writes the ordinal of ``rank``: in figures, with the suffix glued or spaced (the
    superscript lost: « 1 er janvier », « 13 e mois »), and in letters (« premier », « quatorzième »)."""
    suffixes = ("er", "ère", "re") if rank == 1 else ("e", "ème", "ième")
    words = [word for word, word_rank in ORDINAL_WORDS.items() if word_rank == rank]
    return tuple(dict.fromkeys(analyze(f"{rank} {suffix}") for suffix in suffixes)) + tuple(
        dict.fromkeys(analyze(word) for word in words))


def _asks_entitlement(tokens: list, i: int) -> bool:
    """Tell whether token ``i`` is « droit(s) » in « avoir droit », « avoir le droit », « quels sont les droits » or
    after a possessive: the question's « am I entitled », not a notion of the law."""
    if tokens[i][1] not in ENTITLEMENT_WORDS:
        return False
    before = i - 1
    while before >= 0 and tokens[before][1] in _ENTITLEMENT_SKIPPED:
        before -= 1
    return before >= 0 and tokens[before][2].lower() in ENTITLEMENT_LEADS  # as typed: « a », not « à »


def _word_units(text: str) -> list[Unit]:
    """Read unquoted text as words, expanding the longest synonym expressions first."""
    tokens = word_tokens(text)
    longest = max(map(len, _synonym_index()))
    units, i = [], 0
    while i < len(tokens):
        if tokens[i][2] in IGNORED_OPERATORS:
            i += 1
            continue
        if tokens[i][2] == NEGATION:  # the negated word is not searched
            i += 2
            continue
        source = next((len(words) for words in SOURCE_EXPRESSIONS | LOCUTIONS
                       if tuple(folded for _, folded, _ in tokens[i : i + len(words)]) == words), 0)
        if source:
            units.append(Unit((analyze(" ".join(folded for _, folded, _ in tokens[i : i + source])),), question=True))
            i += source
            continue
        expansion, size = _synonyms_at(tokens, i, longest)
        rank, ordinal_size = _ordinal_at(tokens, i) if not expansion else (0, 0)
        if expansion:
            units.append(Unit(expansion.alternatives, related=expansion.related))
            i += size
        elif rank:  # one unit, and no spelling correction (« quatorzième » is no typo of « quatrième »)
            units.append(Unit(_ordinal_alternatives(rank)))
            i += ordinal_size
        else:
            _, folded, original = tokens[i]
            terms = analyze(folded)  # the folded word: the « j » of « 30j » is « jours »
            if terms:
                units.append(Unit((terms,) + _other_forms(original, folded, terms), word=original,
                                  question=_asks_entitlement(tokens, i)))
            i += 1
    return units


def word_unit(word: str) -> Unit:
    """The unit ``word`` typed alone would be: its terms, with its synonyms, the law's word for an everyday one, its
    verb's other forms (« pandémie » also « épidémie ») and its related notions, so a misspelt word corrected to it
    searches them too."""
    units = _word_units(word)
    return units[0] if len(units) == 1 else Unit((analyze(word),))


def _is_question_word(unit: Unit) -> bool:
    """Tell whether ``unit`` is a typed word that only makes the text a question."""
    return unit.question or unit.word is not None and fold(unit.word) in QUESTION_WORDS


def parse(text: str) -> ParsedQuery:
    """Parse user text into units: quoted parts are phrases, the rest words with synonyms, less question words."""
    units = []
    for position, part in enumerate(_QUOTES.split(text)):
        if position % 2:
            terms = analyze(part)
            if terms:
                units.append(Unit((terms,)))
        else:
            units.extend(_word_units(part))
    topical = [unit for unit in units if not _is_question_word(unit)]
    return ParsedQuery(tuple(topical or units))


def adjacent_pairs(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """Return the terms of each two consecutive units that are both one word without synonyms (proximity)."""
    singles = [unit.alternatives[0][0] if len(unit.alternatives) == 1 and len(unit.alternatives[0]) == 1 else None
               for unit in parsed.units]
    return [(first, second) for first, second in zip(singles, singles[1:]) if first and second]


def _alternative(fieldname: str, terms: tuple[str, ...], boost: float):
    """Return a term or (slop 1) phrase query for one alternative in one field."""
    if len(terms) == 1:
        return Term(fieldname, terms[0], boost=boost)
    return Phrase(fieldname, list(terms), slop=1, boost=boost)


def unit_query(unit: Unit, boosts: dict[str, float], correction: Unit | None = None, related: bool = True):
    """Return the query matching any alternative of ``unit`` (or of the ``correction`` of its word) in any boosted
    field, and its related notions with ``RELATED_WEIGHT`` unless ``related`` is false."""
    units = (unit, correction) if correction else (unit,)
    return Or(
        [
            _alternative(fieldname, terms, boost * weight)
            for part in units
            for alternatives, weight in ((part.alternatives, 1.0), (part.related if related else (), RELATED_WEIGHT))
            for terms in alternatives
            for fieldname, boost in boosts.items()
        ]
    )


def unit_queries(parsed: ParsedQuery, boosts: dict[str, float], corrections: dict[str, Unit] | None = None,
                 related: bool = True) -> list:
    """Return one query per unit of ``parsed``, a misspelled word also searching what the unit of its
    ``corrections`` searches; without ``related``, no related notion (a filter keeps what holds the words)."""
    corrections = corrections or {}
    return [unit_query(unit, boosts, corrections.get(unit.word), related) for unit in parsed.units]
