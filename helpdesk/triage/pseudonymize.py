"""Pseudonymise a question and its answer before they become a FAQ article.

Personal data is replaced with neutral French placeholders. Detection is by
patterns and heuristics, so a jurist still reviews the result:
`find_personal_data` lists what would be replaced. Civility titles are kept
("Mme [personne]") so that the text still reads naturally.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import NamedTuple

PLACEHOLDERS = {
    "email": "[adresse e-mail]",
    "iban": "[IBAN]",
    "nir": "[numéro de sécurité sociale]",
    "siret": "[SIRET]",
    "phone": "[téléphone]",
    "siren": "[SIREN]",
    "address": "[adresse]",
    "structure": "[structure]",
    "person": "[personne]",
}
# When two findings overlap, the kind listed first in PLACEHOLDERS wins.
_PRIORITY = {kind: rank for rank, kind in enumerate(PLACEHOLDERS)}

# Acronyms of French labour law and of the IAE sector: never a surname.
KNOWN_ACRONYMS = frozenset(
    """
    ACI AI ANI APE ARS ASP BOSS CAF CAP CCN CDD CDDI CDDU CDI CDIC CE CEE CESU CGT CHSCT CIF CNIL COORACE CPAM
    CPF CPH CPO CSE CSSCT CUI DARES DDETS DDTS DIRECCTE DPAE DREETS DSN DUER DUERP EA EBE EI EPCI ESAT ESS ETT
    ETTI FAQ FAS FDI FEI FSE GEIQ GES IAE IBAN IDCC JO JORF MSA NAF OETH OPCO OSP PASS PDF PME PMSMP QPV RGPD RH
    RQTH RSA RTT SAP SIAE SIREN SIRET SMIC SST TPE TVA UE UNEA URSSAF VAE
    """.split()
)

# Capitalised words that start sentences, head letters or name roles and institutions.
_NOT_NAMES = frozenset(
    """
    le la les l un une des du de d au aux ce cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos
    leur leurs et ou mais donc or ni car si pour par avec sans dans sur sous selon en chez entre vers depuis
    pendant avant apres je tu il elle nous vous ils elles on qui que quoi quel quelle quels quelles comment
    pourquoi quand est oui non bonjour bonsoir merci cordialement salutations bien tres objet ref re tr fw
    madame monsieur mademoiselle docteur maitre mme mlle mr dr me m mm cher chere chers cheres
    article articles code loi decret arrete circulaire ordonnance convention accord avenant contrat contrats
    pole emploi france travail service services equipe association structure entreprise societe federation
    direction directeur directrice president presidente juriste juristes conseiller conseillere charge chargee
    responsable salarie salariee salaries beneficiaire piece jointe pj tel telephone portable mail email
    courriel adresse siege janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    lundi mardi mercredi jeudi vendredi samedi dimanche attention important urgent question reponse rappel
    annexe chapitre section titre livre alinea cf voir ci ainsi enfin puis alors aussi cependant toutefois
    """.split()
)

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"
_LOWER = "a-zàâäçéèêëîïôöùûüÿæœß"
_SPACE = r"[ \u00a0\u202f]"
_SEP = r"[ \u00a0\u202f.\-]"
_WORD_START = r"(?<![\w@.\-])"
_WORD_END = r"(?![\w@])"
_NUMBER_START = r"(?<![\w.,])"
_NUMBER_END = r"(?![\w]|[.,]\d)"

_CAPITALISED = rf"[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)*"
_UPPERCASE = rf"[{_UPPER}]{{2,}}"
_APOSTROPHE_PREFIX = r"(?:[DLN]['’])?"
_NAME_TOKEN = rf"{_APOSTROPHE_PREFIX}(?:{_CAPITALISED}|{_UPPERCASE})(?:-(?:{_CAPITALISED}|{_UPPERCASE}))*"
_UPPER_NAME_TOKEN = rf"{_APOSTROPHE_PREFIX}{_UPPERCASE}(?:-{_UPPERCASE})*"
_FIRST_NAME_TOKEN = rf"{_CAPITALISED}(?:-{_CAPITALISED})*"
_PARTICLE = r"(?:de|du|des|d['’]|van|von|der|den|di|da|del|ben|bin|el|al|ibn)"
_NAME_SEQUENCE = rf"{_NAME_TOKEN}(?:{_SPACE}+(?:{_PARTICLE}{_SPACE}+)?{_NAME_TOKEN}){{0,3}}"

_STREET_TYPES = (
    r"rue|avenue|av\.|bd|boulevard|chemin|allée|allee|impasse|place|route|quai|cours|square|passage|"
    r"voie|sentier|cité|cite|résidence|residence|hameau|faubourg|promenade|rond-point|esplanade|parvis"
)
_STREET_PARTICLE = r"(?:de|du|des|la|le|les|l['’]|d['’]|aux|au|sur|sous|et|en)"
_STREET_NAME_WORD = rf"(?:{_CAPITALISED}|{_UPPERCASE}|\d{{1,4}}|{_STREET_PARTICLE})"
_STREET_NAME = rf"(?:{_STREET_NAME_WORD}(?:{_SPACE}|-|(?<=['’]))){{0,6}}(?:{_CAPITALISED}|{_UPPERCASE})"
_NOT_ACRONYM = rf"(?!(?:{'|'.join(sorted(KNOWN_ACRONYMS))})(?![\w]))"
_CITY_WORD = rf"{_NOT_ACRONYM}(?!(?i:cedex)(?![\w]))(?:{_CAPITALISED}|{_UPPERCASE})"
_CITY_PARTICLE = r"(?:sur|sous|en|lès|les|le|la|de|du|des)"
_CITY = (
    rf"{_CITY_WORD}(?:(?:{_SPACE}|-)(?:{_CITY_PARTICLE}(?:{_SPACE}|-)|[dl]['’])?{_CITY_WORD}){{0,4}}"
    rf"(?:{_SPACE}(?i:cedex)(?:{_SPACE}\d{{1,2}})?)?"
)
_POSTCODE_CITY = rf"(?:0[1-9]|[1-8]\d|9[0-8])\d{{3}}{_SPACE}+{_CITY}(?![\w])"

_PATTERNS = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "iban": re.compile(
        rf"{_WORD_START}[A-Z]{{2}}\d{{2}}(?:{_SPACE}?[A-Z0-9]{{4}}){{2,7}}(?:{_SPACE}?[A-Z0-9]{{1,3}})?{_WORD_END}"
    ),
    "nir": re.compile(
        rf"{_NUMBER_START}[12]{_SEP}?\d{{2}}{_SEP}?(?:0[1-9]|1[0-2]|[2-9]\d){_SEP}?(?:\d{{2}}|2[AB])"
        rf"{_SEP}?\d{{3}}{_SEP}?\d{{3}}(?:{_SEP}?\d{{2}})?{_NUMBER_END}"
    ),
    "siret": re.compile(
        rf"{_NUMBER_START}\d{{3}}({_SEP}?)\d{{3}}\1\d{{3}}{_SEP}?(?:\d{{5}}|\d{{3}}{_SEP}?\d{{2}}){_NUMBER_END}"
    ),
    "phone": re.compile(
        rf"(?:(?<![\w+])(?:\+|00)(?:33|590|594|596|262|269){_SEP}?(?:\(0\){_SEP}?)?[1-9](?:{_SEP}?\d){{8}}"
        rf"|{_NUMBER_START}0[1-9]({_SEP}?)\d{{2}}(?:\1\d{{2}}){{3}}"
        rf"|{_NUMBER_START}0\d{{3}}({_SEP})\d{{2}}\2\d{{2}}\2\d{{2}}"
        rf"|{_NUMBER_START}0({_SEP})[89]\d{{2}}\3\d{{3}}\3\d{{3}}){_NUMBER_END}"
    ),
    # A nine-digit group followed by a currency is an amount, not a SIREN.
    "siren": re.compile(
        rf"{_NUMBER_START}\d{{3}}({_SEP}?)\d{{3}}\1\d{{3}}{_NUMBER_END}(?!{_SEP}?\d)(?!{_SPACE}?(?:€|euros?\b|EUR\b))"
    ),
    "address": re.compile(
        rf"(?:{_WORD_START}\d{{1,4}}(?:{_SPACE}?(?:bis|ter|quater|[A-D])(?![\w]))?,?{_SPACE}+"
        rf"(?i:{_STREET_TYPES}){_SPACE}+{_STREET_NAME}"
        rf"|(?i:lieu-dit|lieudit){_SPACE}+{_STREET_NAME})"
        rf"(?:,?(?:{_SPACE}+|{_SPACE}*\n{_SPACE}*)(?:(?i:BP|CS){_SPACE}?\d+{_SPACE}+)?{_POSTCODE_CITY})?(?![\w])"
        rf"|{_WORD_START}{_POSTCODE_CITY}"
    ),
}

_CIVILITY = re.compile(
    rf"(?<![\w])(?:(?i:monsieur|madame|mademoiselle|docteur|ma[iî]tre)|Mmes|Mme|Mlle|MM|Mr|Dr|Me|M)\.?{_SPACE}+"
    rf"(?P<name>{_PARTICLE}?{_SPACE}*{_NAME_SEQUENCE})"
)
_FIRST_NAME_THEN_SURNAME = re.compile(
    rf"{_WORD_START}(?P<name>{_FIRST_NAME_TOKEN}(?:{_SPACE}+{_UPPER_NAME_TOKEN}){{1,3}}){_WORD_END}"
)
_SURNAME_THEN_FIRST_NAME = re.compile(
    rf"{_WORD_START}(?P<name>{_UPPER_NAME_TOKEN}{_SPACE}+{_FIRST_NAME_TOKEN}){_WORD_END}"
)
_SIGNATURE = re.compile(
    r"(?i:(?:bien|très|tres)\s+)?(?i:cordialement|bien\s+à\s+vous|sinc[èe]res\s+salutations|"
    r"salutations\s+distingu[ée]es|respectueusement|merci\s+(?:d['’]|par\s+)avance|bonne\s+journ[ée]e)"
    rf"{_SPACE}*[,.!]?\s*(?P<name>{_NAME_SEQUENCE})"
)
_ROLE = re.compile(
    r"(?<![\w])(?i:salarié\(e\)|salariée?|bénéficiaire|candidat\(e\)|candidate?|stagiaire|intérimaire|"
    r"apprentie?|employée?|m'appelle|soussignée?)"
    rf"{_SPACE}+(?P<name>{_NAME_SEQUENCE})"
)
_NAME_HEURISTICS = (_CIVILITY, _FIRST_NAME_THEN_SURNAME, _SURNAME_THEN_FIRST_NAME, _SIGNATURE, _ROLE)
_NAME_PART = re.compile(rf"{_APOSTROPHE_PREFIX}[\w-]+")


class _Span(NamedTuple):
    """A piece of personal data found at [start, end) of the text."""

    start: int
    end: int
    kind: str


def find_personal_data(
    text: str, *, known_names: Iterable[str] = (), structure_names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Return the (kind, matched text) pairs that `pseudonymize` would replace, in text order."""
    return [(span.kind, text[span.start : span.end]) for span in _find_spans(text, known_names, structure_names)]


def pseudonymize(text: str, *, known_names: Iterable[str] = (), structure_names: Iterable[str] = ()) -> str:
    """Return the text with personal data replaced by neutral French placeholders."""
    pieces = []
    position = 0
    for span in _find_spans(text, known_names, structure_names):
        pieces += [text[position : span.start], PLACEHOLDERS[span.kind]]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _find_spans(text: str, known_names: Iterable[str], structure_names: Iterable[str]) -> list[_Span]:
    """Return the non-overlapping spans of personal data, in text order, adjacent names merged."""
    folded = _fold(text)
    candidates = [
        _Span(match.start(), match.end(), kind)
        for kind, pattern in _PATTERNS.items()
        for match in pattern.finditer(text)
    ]
    candidates += _literal_spans(folded, structure_names, "structure")
    candidates += _literal_spans(folded, known_names, "person")
    candidates += _heuristic_name_spans(text)
    accepted = _resolve_overlaps(candidates)
    # A surname found once by a heuristic ("Mme DIALLO") is hidden everywhere it is capitalised.
    discovered = {
        part
        for span in accepted
        if span.kind == "person"
        for part in _NAME_PART.findall(text[span.start : span.end])
        if _is_name_word(part) and len(part) >= 3
    }
    candidates += [
        span for span in _literal_spans(folded, discovered, "person") if text[span.start].isupper()
    ]
    return _merge_adjacent_names(text, _resolve_overlaps(candidates))


def _fold_char(char: str) -> str:
    """Return one character without accent, lower-cased, typographic apostrophe made straight."""
    if char == "’":
        return "'"
    return unicodedata.normalize("NFD", char)[0].lower()[0]


def _fold(text: str) -> str:
    """Return the text folded character by character, so that indexes match the original."""
    return "".join(map(_fold_char, text))


def _literal_spans(folded: str, literals: Iterable[str], kind: str) -> Iterator[_Span]:
    """Yield the case- and accent-insensitive whole-word occurrences of literals in the folded text."""
    words = sorted({_fold(literal.strip()) for literal in literals if literal.strip()}, key=len, reverse=True)
    if not words:
        return
    alternatives = "|".join(r"[\s\-]+".join(map(re.escape, re.split(r"[\s\-]+", word))) for word in words)
    for match in re.finditer(rf"(?<![\w@])(?:{alternatives})(?![\w@])", folded):
        yield _Span(match.start(), match.end(), kind)


def _is_name_word(word: str) -> bool:
    """Tell whether a capitalised word may be part of a person's name."""
    bare = re.sub(r"^[dln]['’]", "", word, flags=re.IGNORECASE)
    return _fold(bare) not in _NOT_NAMES and bare.upper() not in KNOWN_ACRONYMS


def _heuristic_name_spans(text: str) -> Iterator[_Span]:
    """Yield the names found by civility titles, capitalisation, signatures and roles."""
    for pattern in _NAME_HEURISTICS:
        for match in pattern.finditer(text):
            name_start = match.start("name")
            kept_end = name_start
            # Keep the name up to the first word that cannot belong to it ("M. Karim Benali du CSE").
            for word in re.finditer(r"\S+", match.group("name")):
                if re.fullmatch(_PARTICLE, word.group()):
                    continue
                if not _is_name_word(word.group()):
                    break
                kept_end = name_start + word.end()
            if _names_someone(pattern, text[name_start:kept_end]):
                yield _Span(name_start, kept_end, "person")


def _names_someone(pattern: re.Pattern, name: str) -> bool:
    """Tell whether what is left of a heuristic match still looks like a person's name."""
    words = name.split()
    if not words:
        return False
    if pattern is _FIRST_NAME_THEN_SURNAME:
        return len(words) >= 2
    if pattern is _SURNAME_THEN_FIRST_NAME:
        return len(words) == 2 and len(words[0]) >= 3
    return True


def _resolve_overlaps(candidates: Iterable[_Span]) -> list[_Span]:
    """Keep, among overlapping spans, the one of the most sensitive kind, then the longest."""
    accepted: list[_Span] = []
    for span in sorted(set(candidates), key=lambda span: (_PRIORITY[span.kind], span.start - span.end, span.start)):
        if all(span.end <= other.start or other.end <= span.start for other in accepted):
            accepted.append(span)
    return sorted(accepted)


def _merge_adjacent_names(text: str, spans: list[_Span]) -> list[_Span]:
    """Merge person spans separated only by spaces or a hyphen into one."""
    merged: list[_Span] = []
    for span in spans:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.kind == span.kind == "person"
            and re.fullmatch(rf"(?:{_SPACE}|-)+", text[previous.end : span.start])
        ):
            merged[-1] = previous._replace(end=span.end)
        else:
            merged.append(span)
    return merged
