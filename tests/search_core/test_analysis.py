"""Tests of the French analyzer and of query parsing with synonyms."""

import pytest
from whoosh.analysis import CharsetFilter, StemFilter, StopFilter

from helpdesk.search.analysis import FOLDING_MAP, STOP_WORDS, _base_chain, analyze, french_analyzer, stem_french
from helpdesk.search.query import parse


def test_inflections_and_case_share_one_term():
    """salariés, salarié, SALARIE and Salariée index to the same term."""
    assert len({analyze(word) for word in ["salariés", "salarié", "SALARIE", "Salariée"]}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ["licencié", "licenciée", "licenciés", "LICENCIE", "licencier", "licenciement"],
        ["négocié", "négociées", "negocie", "négocier", "négociation"],
        ["modifié", "modifiés", "modifier"],
    ],
)
def test_a_past_participle_shares_the_term_of_its_verb(forms):
    """« licencié » (with or without its accent, any gender or number) indexes as « licencier » and « licenciement »."""
    assert len({analyze(word) for word in forms}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ["définie", "défini", "définis", "définies", "DEFINIE", "définir", "définit"],
        ["établie", "établies", "établi", "établir"],
        ["remplie", "remplies", "rempli", "remplir"],
        ["réunie", "réunies", "réuni", "réunir"],
        ["suivie", "suivies", "suivi"],
        ["subie", "subi", "subir"],
    ],
)
def test_a_feminine_participle_of_an_ir_verb_shares_the_term_of_its_verb(forms):
    """« définie(s) » indexes as « défini » and « définir »: reading every folded « -ie » as « -ié » (the participle of
    an « -ier » verb) had split them."""
    assert len({analyze(word) for word in forms}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ["bénéficie", "bénéficié", "bénéficier"],
        ["justifie", "justifiée", "justifier"],
        ["copie", "copier"],
        ["varie", "varier"],
        ["affiliée", "affilié", "affilier"],
        ["résiliée", "résilier"],
    ],
)
def test_an_ier_verb_shares_one_term_in_every_form(forms):
    """« bénéficie », « bénéficié » and « bénéficier » are one term (Snowball alone stems the first apart)."""
    assert len({analyze(word) for word in forms}) == 1


@pytest.mark.parametrize(
    "forms",
    [
        ["payé", "payés", "payée", "PAYEES", "payer", "paie", "paiement"],
        ["envoyé", "envoyée", "envoyer", "envoie", "envoi"],
        ["octroyée", "octroyer", "octroi"],
    ],
)
def test_a_yer_verb_shares_one_term_in_every_form(forms):
    """« payé » (accent folded) indexes as « payer », « paie » and « paiement », as Snowball stems the verb."""
    assert len({analyze(word) for word in forms}) == 1


@pytest.mark.parametrize(
    ("noun", "verb"),
    [("partie", "partir"), ("parties", "partir"), ("sortie", "sortir"), ("saisie", "saisir"), ("garantie", "garantir")],
)
def test_a_noun_in_ie_is_not_merged_with_a_verb_of_another_meaning(noun, verb):
    """« les parties au contrat » are not « partir », « la sortie » not « sortir », « une saisie sur salaire » not
    « saisir le conseil de prud'hommes »."""
    assert analyze(noun) != analyze(verb)


@pytest.mark.parametrize(
    ("word", "other"),
    [("liquide", "liquidation"), ("en liquide", "liquidateur"), ("mère", "mer"), ("MERES", "mer"),
     ("intéressement", "intéressé"), ("prévoyance", "prévoyant"), ("notamment", "note"), ("cris", "crise")],
)
def test_a_word_snowball_joins_to_an_unrelated_word_keeps_its_own_term(word, other):
    """« paiement en liquide » is not the « liquidation judiciaire », the « mère » is not the « mer » of seamen,
    the « intéressement » not a salarié « intéressé », the « prévoyance » not a text « prévoyant » something, the
    « cris » of a manager not a « crise »."""
    assert analyze(word) != analyze(other)


@pytest.mark.parametrize(("forms"), [("liquide", "liquides"), ("mère", "mere", "mères"),
                                     ("intéressement", "intéressements"), ("prévoyance", "prévoyances"),
                                     ("cri", "cris", "crier", "crié")])
def test_a_word_kept_apart_still_joins_its_plural(forms):
    """The words kept apart from their Snowball stem still find their plural and unaccented spelling (and « cris »
    its verb)."""
    assert len({analyze(word) for word in forms}) == 1


@pytest.mark.parametrize(("plural", "singular"), [("CDIs", "CDI"), ("CDDs", "CDD"), ("SMICs", "SMIC"), ("ETTIs", "ETTI")])
def test_an_acronym_with_a_plural_s_indexes_as_the_acronym(plural, singular):
    """« les CDIs » is « les CDI »: French acronyms are invariable, but users add an « s »."""
    assert analyze(plural) == analyze(singular)


@pytest.mark.parametrize("acronym", ["IJSS", "RSS"])
def test_an_acronym_in_capitals_keeps_its_final_letter(acronym):
    """Capitals are the acronym itself: « IJSS » is not read as the plural of « IJS », nor « RSS » of « RS »."""
    assert analyze(acronym) == analyze(acronym.lower())
    assert analyze(acronym) != analyze(acronym[:-1])


@pytest.mark.parametrize("text", ["rupture des CDIs", "rupture des cdis", "rupture des CDI"])
def test_a_plural_acronym_finds_its_synonym_group(text):
    """« CDIs » and « cdis » are expanded as « CDI » is, to « contrat à durée indéterminée »."""
    assert analyze("contrat à durée indéterminée") in parse(text).units[-1].alternatives


@pytest.mark.parametrize(("dotted", "acronym"), [("C.S.E.", "CSE"), ("C.D.D.I.", "CDDI"), ("S.M.I.C", "SMIC"),
                                                  ("c.s.e", "cse"), ("L.R.A.R.", "LRAR")])
def test_an_acronym_typed_with_dots_is_the_acronym(dotted, acronym):
    """« C.S.E. » is « CSE », not three letters read as elisions and stop words (« C.S.E. » searched only « e »)."""
    assert analyze(f"le {dotted} de l'entreprise") == analyze(f"le {acronym} de l'entreprise")
    assert [unit.alternatives for unit in parse(dotted).units] == [unit.alternatives for unit in parse(acronym).units]


def test_dots_between_letters_are_read_as_an_acronym_only_between_single_letters():
    """Legal references, dotted numbers, dates and words parted by a full stop keep their reading."""
    assert analyze("art. L.1234-5") == analyze("L1234-5")
    assert analyze("1.607 heures le 12.03.2020") == ("1607", "heur", "12.03.2020")
    assert analyze("M. Dupont, fin.Le") == analyze("M Dupont fin Le")


def test_a_case_sensitive_abbreviation_with_dots_needs_its_capitals():
    """« E.I. » is « EI », the entreprise d'insertion; « e.i. » in lowercase is not expanded, as « ei » is not."""
    assert analyze("entreprise d'insertion") in parse("E.I.").units[0].alternatives
    assert [unit.alternatives for unit in parse("e.i.").units] == [(("ei",),)]


@pytest.mark.parametrize(("inflected", "expression"), [("CDD d'usages", "CDD d'usage"),
                                                        ("mi-temps thérapeutiques", "mi-temps thérapeutique")])
def test_the_longest_expression_wins_even_inflected(inflected, expression):
    """« CDD d'usages » is the CDDU, not the « CDD » it starts with: a longer expression found by its stems comes before
    a shorter one found as written."""
    assert parse(inflected).units == parse(expression).units


def test_the_labour_inspection_and_its_inspector_are_one_group():
    """« saisir l'inspection du travail » also searches « inspecteur du travail », the word most fiches use."""
    assert analyze("inspecteur du travail") in parse("saisir l'inspection du travail").units[-1].alternatives


def test_a_case_sensitive_abbreviation_in_the_plural_is_still_one():
    """« CPs » is « CP », congés payés; « cps » and « CES » stay words (« ces » is « these »)."""
    assert parse("CPs").units == parse("CP").units
    assert analyze("congés payés") in parse("CPs").units[0].alternatives
    assert analyze("congés payés") not in parse("cps").units[0].alternatives
    assert parse("CES salariés").units == parse("salariés").units


@pytest.mark.parametrize(("shortened", "expression"), [("rupture conv", "rupture conventionnelle"),
                                                       ("conv collective", "convention collective"),
                                                       ("visite méd", "visite médicale"),
                                                       ("mutuelles", "complémentaire santé"),
                                                       ("inaptes", "inaptitude")])
def test_a_shortened_or_plural_expression_finds_its_group(shortened, expression):
    """« rupture conv », « conv collective », « visite méd »: the truncations members type are their expression; a word
    of a group typed in the plural (« mutuelles ») finds its group as the singular does."""
    assert analyze(expression) in parse(shortened).units[0].alternatives


def test_plural_phrase_matches_singular_phrase():
    """'contrats de professionnalisation' analyses like the singular, stop word dropped."""
    assert analyze("contrats de professionnalisation") == analyze("contrat de professionnalisation")
    assert len(analyze("contrats de professionnalisation")) == 2


@pytest.mark.parametrize("text", ["l'employeur", "l’employeur", "L'EMPLOYEUR", "employeurs"])
def test_elisions_are_removed(text):
    """Elided articles (straight or typographic apostrophe) disappear."""
    assert analyze(text) == analyze("employeur")


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("passer du CDD vers un CDI", "passer du CDD un CDI"),
        ("congés durant le préavis", "congés le préavis"),
        ("différence entre invalidité et inaptitude", "différence invalidité inaptitude"),
        ("considéré comme du travail effectif", "considéré du travail effectif"),
    ],
)
def test_prepositions_stemmed_as_content_words_are_stop_words(text, same_as):
    """« vers », « durant », « entre », « comme » are not searched: Snowball stems them as « versement », « durée »,
    « entrée », « commissions »."""
    assert analyze(text) == analyze(same_as)
    assert analyze("versement durée entrée commissions") == ("vers", "dur", "entre", "comm")


def test_quelqu_and_presqu_are_elisions():
    """« quelqu'un » is not searched as a topic « quelqu » (found in a handful of documents, it would outweigh the
    question's words): it is elided like « jusqu' » and « lorsqu' »."""
    assert analyze("obliger quelqu'un à prendre sa retraite") == analyze("obliger à prendre sa retraite")
    assert analyze("presqu’île") == analyze("île")


def test_accents_are_folded():
    """Accented and unaccented spellings match; œ is expanded."""
    assert analyze("Congés payés") == analyze("conges payes")
    assert analyze("œuvre") == analyze("oeuvre")


def test_accents_typed_as_combining_marks_are_folded_too():
    """« éléments » decomposed (« e » followed by a combining acute accent, as some systems and a few official texts
    write it) is « éléments », not the words « e » and « ments »."""
    assert analyze("e\u0301le\u0301ments") == analyze("éléments") == ("element",)
    assert analyze("Conge\u0301s paye\u0301s") == analyze("congés payés")


@pytest.mark.parametrize("text", ["l\u2019employeur", "l\u02bcemployeur", "prud\u02bchommes"])
def test_every_apostrophe_splits_an_elision(text):
    """The typographic apostrophe and the modifier letter apostrophe « ʼ » (in a few official texts and from some
    keyboards) split an elision as « ' » does."""
    assert analyze(text) == analyze(text.replace("\u2019", "'").replace("\u02bc", "'"))


@pytest.mark.parametrize("ref", ["L5132-5", "L. 5132-5", "l.5132-5", "art. L5132-5", "L 5132-5", "L-5132-5",
                                 "L. 5132\u20115", "L 5132\u20135", "L5132\u22125"])
def test_legal_references_are_one_term(ref):
    """Every way of writing an article number gives the compact term: with a hyphen after its letter, or with the
    non-breaking hyphen, en dash or minus sign a copy from a web page or a word processor puts for its hyphen."""
    assert analyze(ref) == ("l5132-5",)


def test_a_hyphenated_number_pasted_with_another_dash_is_the_number():
    """« 1234–5 » (en dash) is « 1234-5 »; a word hyphenated to a number is still two words (« covid-19 »)."""
    assert analyze("1234\u20135") == analyze("1234-5") == ("1234-5",)
    assert analyze("covid-19") == ("covid", "19")


def test_numbers_are_kept():
    """Numbers, including decimals, are tokens."""
    assert analyze("35,5 heures") == ("35,5", analyze("heures")[0])


@pytest.mark.parametrize(
    ("glued", "spaced"),
    [
        ("480h", "480 heures"),
        ("35H", "35 h"),
        ("1607h", "1607 h"),
        ("10kg", "10 kilogrammes"),
        ("50km", "50 km"),
        ("30jours", "30 jours"),
        ("2ans", "2 ans"),
        ("8h30", "8 heures 30"),
        ("1er mai", "1 er mai"),
        ("100€", "100 euros"),
        ("35,5h", "35,5 heures"),
    ],
)
def test_a_number_glued_to_its_unit_is_read_as_spaced(glued, spaced):
    """« 480h », « 10kg », « 100€ » give the terms of « 480 heures », « 10 kilogrammes », « 100 euros »: the number,
    then the unit (a unit symbol or abbreviation as its word)."""
    assert analyze(glued) == analyze(spaced)
    assert len(analyze(glued)) >= 2


@pytest.mark.parametrize(
    ("grouped", "plain"),
    [
        ("1 607 heures", "1607 heures"),
        ("10\u202f000 €", "10000 euros"),
        ("1\u00a0607,50", "1607,50"),
        ("1.607 heures", "1607 heures"),
        ("45.000€", "45000 euros"),
        ("1.607,50", "1607,50"),
    ],
)
def test_a_number_with_grouped_thousands_is_one_term(grouped, plain):
    """« 1 607 heures » (French typesetting, plain, no-break or narrow space) and « 1.607 heures » (thousands grouped by
    dots) give the terms of « 1607 heures »."""
    assert analyze(grouped) == analyze(plain)


@pytest.mark.parametrize("text", ["35.5", "4.1", "17-11.618", "12.03.2020", "1234-5"])
def test_a_dotted_number_that_groups_no_thousands_is_kept(text):
    """Section numbers, dates and pourvoi numbers keep their dots: only groups of three digits are thousands."""
    assert analyze(text) == (text,)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("30j", "30 jours"),
        ("30J de préavis", "30 jours de préavis"),
        ("30 j. de préavis", "30 jours de préavis"),
        ("15\u00a0j", "15 jours"),
        ("15jrs", "15 jours"),
        ("2 jr", "2 jours"),
        ("7j/7", "7 jours sur 7"),
    ],
)
def test_a_j_after_a_number_is_days(text, same_as):
    """« 30j », « 30 j. », « 15jrs » give the terms of « 30 jours »: after a number, « j » abbreviates « jours »."""
    assert analyze(text) == analyze(same_as)
    assert [unit.alternatives for unit in parse(text).units] == [unit.alternatives for unit in parse(same_as).units]


@pytest.mark.parametrize(
    ("text", "same_as"),
    [("j'ai 30 ans", "30 ans"), ("en 2019 j'ai démissionné", "2019 démissionné"), ("jour J", "jour")],
)
def test_a_j_elsewhere_is_an_elision(text, same_as):
    """Elsewhere « j » is the elision of « j'ai » (or a letter), not searched, even after a number (« 2019 j'ai »)."""
    assert analyze(text) == analyze(same_as)


def test_the_days_abbreviation_keeps_its_place():
    """The « j » of « 30j » is indexed as « jours » with its own characters and the next position."""
    tokens = [
        (token.text, token.pos, token.startchar, token.endchar)
        for token in french_analyzer()("délai: 30j", positions=True, chars=True)
    ]
    assert tokens == [(analyze("délai")[0], 0, 0, 5), ("30", 1, 7, 9), (analyze("jours")[0], 2, 9, 10)]


def test_acronym_expands_to_phrase():
    """'DUER' gets its spelled-out form as a phrase alternative."""
    (unit,) = parse("DUER").units
    assert analyze("document unique d'évaluation des risques") in unit.alternatives


def test_multiword_synonym_is_matched_before_single_words():
    """'chômage partiel' is one unit whose alternatives include 'activité partielle'."""
    (unit,) = parse("Chomage partiel").units
    assert analyze("activité partielle") in unit.alternatives


def test_ambiguous_abbreviation_needs_capitals():
    """'AI' expands only in capitals: in "j'ai" it is the verb (a stop word)."""
    assert parse("j'ai un contrat").units == parse("un contrat").units
    assert analyze("association intermédiaire") in parse("AI").units[0].alternatives


@pytest.mark.parametrize("text", ['"unbalanced', "AND OR NOT (", "field:value*", "~!@#$%^&*()", "", "NOT", "«", "NOT NOT"])
def test_user_syntax_never_raises(text):
    """Operators and broken quotes are read as plain words."""
    parse(text)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("peut-on faire des heures complémentaires ?", "heures complémentaires"),
        ("Combien de jours de congé faut-il ?", "jours de congé"),
        ("Pourquoi et quand doit-on signer ?", "signer"),
        ("Puis-je être licencié sans avoir de blâme ?", "licencié sans blâme"),
        ("Quelle est la définition d'un CDI ?", "CDI"),
        ("exemples de calcul des congés payés", "calcul des congés payés"),
        ("Différence entre invalidité et inaptitude", "invalidité inaptitude"),
        ("Comment savoir quelle convention collective s'applique ?", "convention collective s'applique"),
        ("connaitre ses droits au chômage", "ses droits au chômage"),
        ("Est-ce que je peux refuser une mutation ?", "refuser une mutation"),
    ],
)
def test_question_words_are_not_searched(text, same_as):
    """Modal verbs and interrogatives of a question, and the nouns naming the kind of answer asked for (a definition,
    an example, a difference), are left out of the query."""
    assert parse(text).units == parse(same_as).units


def test_question_words_alone_are_still_searched():
    """A query made only of question words keeps them, and a quoted phrase keeps all its words."""
    assert [unit.word for unit in parse("pourquoi faire").units] == ["pourquoi", "faire"]
    assert [unit.word for unit in parse("définition").units] == ["définition"]
    assert parse('"peut faire" préavis').units[0].alternatives == (analyze("peut faire"),)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("démission AND préavis", "démission préavis"),
        ("CDD OR CDI", "CDD CDI"),
        ("licenciement NOT économique", "licenciement"),
        ("NOT économique licenciement", "licenciement"),
    ],
)
def test_operators_in_capitals(text, same_as):
    """AND and OR are dropped; NOT drops itself and the word after it (that word is not searched)."""
    assert parse(text).units == parse(same_as).units


def test_operator_words_in_lowercase_are_french_words():
    """'or' and 'not' typed in lowercase are searched as words ("prime en or")."""
    assert [unit.word for unit in parse("prime en or").units] == ["prime", "or"]


SAMPLE_TEXT = (
    "L'employeur doit, selon l'art. L. 1234-5 et le R4228-20 (ou D 12-1, L1), verser 35,5 % du salaire "
    "à la salariée ; les Congés payés de l’œuvre SALARIÉS et Æther: qu'il, jusqu'à lorsqu'on. "
    "Est-ce que les CDIs, IJSS et le CDD 2024-01-15 ou 1.5 est-il ÉLU ? Œuvres d'art, l 12-3, r.45-6 et de la 480h, 8h30, 10€ le 1er, 1 607 h, 10\u202f000,50 €, 2019 100, "
    "le C.S.E. et la L.R.A.R"
)


def _filter_chain():
    """The full-text analyzer written as a chain of stock Whoosh filters (the reference behaviour)."""
    return (
        _base_chain()
        | CharsetFilter(FOLDING_MAP)
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem_french, cachesize=-1)
    )


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"positions": True, "chars": True, "mode": "index"},
        {"positions": True, "chars": True, "removestops": False, "keeporiginal": True},
        {"positions": True, "chars": True, "start_pos": 7, "start_char": 3},
        {"positions": True, "tokenize": False},
    ],
)
def test_french_analyzer_matches_the_filter_chain(options):
    """The one-pass analyzer yields exactly the tokens of the filter chain, in every calling mode."""
    attributes = ("text", "pos", "startchar", "endchar", "stopped", "boost", "original")

    def tokens(analyzer, text):
        """Return the tokens' attributes as tuples."""
        return [tuple(getattr(token, name, None) for name in attributes) for token in analyzer(text, **options)]

    for text in (SAMPLE_TEXT, "le", "Salariée", ""):
        assert tokens(french_analyzer(), text) == tokens(_filter_chain(), text)
