"""Tests of article search: synonyms, visibility, facets, snippets, fallback, suggestions."""

import pytest

from helpdesk.search import engine, search_articles, suggest_articles
from helpdesk.search.query import parse

from conftest import MEMBER, indexed, make_article


def slugs(page):
    """Return the slugs of a result page."""
    return [hit.slug for hit in page.hits]


def test_inflected_query_finds_document(articles_path):
    """'SALARIE' finds documents saying 'salariés' and 'salarié'."""
    assert {"contrat-pro", "activite-partielle", "script"} <= set(slugs(search_articles(articles_path, "SALARIE", **MEMBER)))


def test_chomage_partiel_finds_activite_partielle(articles_path):
    """The synonym table maps 'chômage partiel' to 'activité partielle'."""
    assert slugs(search_articles(articles_path, "chômage partiel", **MEMBER))[0] == "activite-partielle"


def test_synonym_expressions_are_found_in_the_plural(articles_path):
    """« chômages partiels », as « chômage partiel », finds the fiche saying « activité partielle » (the synonym table's
    expressions matched only as written); one word keeps to its own stem."""
    assert slugs(search_articles(articles_path, "chômages partiels", **MEMBER))[:1] == ["activite-partielle"]
    assert [unit.alternatives for unit in parse("contrats à durée déterminée").units] == [
        parse("contrat à durée déterminée").units[0].alternatives]
    assert [unit.alternatives for unit in parse("âges").units] == [(("age",),)]


def test_duer_finds_document_unique(articles_path):
    """The acronym DUER finds the document unique d'évaluation des risques."""
    assert slugs(search_articles(articles_path, "DUER", **MEMBER)) == ["duerp"]


@pytest.fixture
def legal_wording_path(tmp_path):
    """Index fiches written in the code's own words, none of them using the everyday word."""
    return indexed(tmp_path, [
        make_article("cabinets", "Installations sanitaires", "L'employeur met des cabinets d'aisance à disposition."),
        make_article("preavis", "Fin du contrat", "La durée du préavis dépend de l'ancienneté du salarié."),
        make_article("delegue", "Représentation syndicale", "Le délégué syndical négocie les accords d'entreprise."),
        make_article("conge", "Période d'essai", "Le salarié peut rompre la période d'essai pendant ses congés."),
        make_article("epargne", "Épargne salariale", "Le plan d'épargne d'entreprise reçoit l'intéressement."),
    ])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("toilettes", "cabinets"), ("WC au travail", "cabinets"), ("délai-congé", "preavis"), ("DS", "delegue"),
     ("mon patron", "cabinets"), ("PEE", "epargne"), ("versement sur le PEE", "epargne")],
)
def test_everyday_word_or_abbreviation_finds_the_legal_term(legal_wording_path, text, expected):
    """A member typing « toilettes », « délai-congé », « DS », « patron » or « PEE » finds the fiche saying « cabinets
    d'aisance », « préavis », « délégué syndical », « employeur » or « plan d'épargne d'entreprise »."""
    assert slugs(search_articles(legal_wording_path, text, **MEMBER))[:1] == [expected]


@pytest.fixture
def everyday_path(tmp_path):
    """Index fiches in the code's words, and two texts whose word is also an everyday one (« renvoi », « patron »)."""
    return indexed(tmp_path, [
        make_article("licenciement", "Licenciement pour motif personnel",
                     "L'employeur qui licencie un salarié respecte la procédure."),
        make_article("renvoi", "Bureau de jugement", "Faute de conciliation, l'affaire fait l'objet d'un renvoi."),
        make_article("marins", "Marins pêcheurs", "Le patron pêcheur embarqué."),
        make_article("duree", "Durée du travail", "La durée légale du travail effectif est de 35 heures."),
        make_article("conges", "Congés payés", "Le salarié acquiert 2,5 jours ouvrables de congés payés par mois."),
        make_article("ifc", "Indemnité de fin de contrat", "À la fin d'un CDD, le salarié perçoit une indemnité de fin "
                     "de contrat."),
        make_article("moral", "Harcèlement moral", "Aucun salarié ne doit subir des agissements répétés de harcèlement "
                     "moral."),
        make_article("sexuel", "Harcèlement sexuel", "Aucun salarié ne doit subir des faits de harcèlement sexuel."),
        make_article("intemperies", "Chômage intempéries", "L'arrêt du chantier pour intempéries est indemnisé."),
        make_article("alcool", "Boissons dans l'entreprise", "L'alcool est interdit, sauf le vin, la bière et le cidre."),
        make_article("teletravail", "Télétravail", "Le télétravail est mis en place par accord collectif."),
        make_article("aisance", "Locaux du personnel", "Les cabinets d'aisance sont séparés pour les femmes et les "
                     "hommes."),
        make_article("epidemie", "Menace d'épidémie", "En cas d'épidémie, l'aménagement des postes peut être imposé"),
        make_article("violences", "Violences", "Les violences physiques sur un collègue sont sanctionnées."),
    ])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("viré", "licenciement"), ("j'ai été virée", "licenciement"), ("VIRE", "licenciement"),
     ("mon patron m'a mis à la porte", "licenciement"), ("boulot", "duree"), ("vacances", "conges"),
     ("prime de précarité", "ifc"), ("indemnité de précarité en fin de CDD", "ifc"), ("mise au placard", "moral"),
     ("comment prouver une mise au placard", "moral"), ("placardisée", "moral"), ("drague lourde", "sexuel"),
     ("orage violent", "intemperies"), ("cyclone", "intemperies"), ("forte pluie", "intemperies"),
     ("picoler", "alcool"), ("champagne au pot de départ", "alcool"), ("peut-on boire pendant la pause ?", "alcool"),
     ("apéro", "alcool"), ("travail en remote", "teletravail"), ("sanitaires", "aisance"),
     ("pandémie", "epidemie"), ("frapper quelqu'un", "violences"), ("gifle", "violences")],
)
def test_a_colloquial_word_also_searches_the_word_of_the_law(everyday_path, text, expected):
    """« viré », « mis à la porte », « boulot », « vacances », « prime de précarité », « mise au placard », « drague »,
    « orage », « picoler », « champagne », « boire », « remote », « sanitaires », « pandémie », « frapper »: a member's
    everyday words find the fiche written in the law's words (« harcèlement moral », « harcèlement sexuel »,
    « intempéries », « alcool », « télétravail », « cabinets d'aisance », « épidémie », « violences »), with no
    spelling notice."""
    page = search_articles(everyday_path, text, **MEMBER)
    assert (slugs(page)[:1], page.corrected, page.suggestion) == ([expected], (), None)


def test_pay_in_cash_finds_payment_in_espèces_not_liquidation(tmp_path):
    """« paiement en liquide », « payé en cash »: the fiche on wages paid « en espèces » ranks above the one on the
    « liquidation judiciaire », whose stem « liquide » shares."""
    path = indexed(tmp_path, [
        make_article("liquidation", "Liquidation judiciaire", "Le liquidateur vend les biens de l'entreprise; le "
                     "paiement des créances suit."),
        make_article("especes", "Paiement du salaire", "Le salaire est payé en espèces ou par virement."),
    ])
    for text in ("paiement en liquide", "salaire payé en cash", "Paiement en LIQUIDE"):
        assert slugs(search_articles(path, text, **MEMBER))[:1] == ["especes"], text


def test_a_notion_snowball_joins_to_a_common_word_finds_its_own_fiche_first(tmp_path):
    """« intéressement », « congé de la mère », « régime de prévoyance »: the fiche on the notion ranks above a longer
    text saying « salariés intéressés », « gens de mer », « prévoyant », words Snowball stems as the notion."""
    filler = " Le texte précise les conditions d'application et les obligations de l'employeur envers le personnel."
    path = indexed(tmp_path, [
        make_article("interesse", "Salariés intéressés", "Les salariés intéressés et intéressées par la mesure, "
                     "intéressés au premier chef, sont informés." + filler * 3),
        make_article("interessement", "Épargne salariale", "Un accord d'intéressement associe le personnel aux "
                     "résultats." + filler * 3),
        make_article("mer", "Gens de mer", "Le marin en mer, travail en mer et en haute mer." + filler * 3),
        make_article("mere", "Congé de naissance", "Le congé de la mère après la naissance." + filler * 3),
        make_article("prevoyant", "Accord collectif", "Un accord prévoyant une durée, prévoyant des pauses, "
                     "prévoyant un repos." + filler * 3),
        make_article("prevoyance", "Protection sociale complémentaire", "Le régime de prévoyance couvre le décès."
                     + filler * 3),
    ])
    for text, expected in (("intéressement", "interessement"), ("congé de la mère", "mere"),
                           ("congé de la mere", "mere"), ("prévoyance", "prevoyance")):
        assert slugs(search_articles(path, text, **MEMBER))[:1] == [expected], text


def test_the_fathers_leave_finds_the_paternity_leave(tmp_path):
    """« congé pour les pères », « congé du père »: the fiche on the « congé de paternité » ranks above a fiche on
    another leave that says « père » once (the law names the father's leave by « paternité »)."""
    path = indexed(tmp_path, [
        make_article("parental", "Congé parental d'éducation", "Le congé parental est ouvert à la mère comme au "
                     "père. Le salarié informe l'employeur de la durée du congé et de la date de reprise du travail."),
        make_article("paternite", "Congé de paternité et d'accueil de l'enfant", "Le salarié prend un congé de "
                     "paternité de vingt-cinq jours après la naissance de l'enfant."),
    ])
    for text in ("congé pour les pères", "congé du PERE"):
        assert slugs(search_articles(path, text, **MEMBER))[:1] == ["paternite"], text


def test_a_word_of_the_law_does_not_search_the_colloquial_word(everyday_path):
    """The expansion goes one way: « licenciement » does not list the court's « renvoi », nor « employeur » the
    « patron pêcheur »; typed, « renvoi » still finds its own text, and the fiches on « licenciement »."""
    assert slugs(search_articles(everyday_path, "licenciement", **MEMBER)) == ["licenciement"]
    assert slugs(search_articles(everyday_path, "employeur", **MEMBER)) == ["licenciement"]
    assert set(slugs(search_articles(everyday_path, "renvoi", **MEMBER))) == {"renvoi", "licenciement"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("salarie licencie", "licencie"), ("salariee licenciee", "licencie"), ("travail remunere", "remunere"),
     ("conges payes", "conges"), ("preavis", "preavis"), ("plafond depasse", "plafond"), ("reglement publie", "publie"),
     ("depassees", "plafond")],
)
def test_words_typed_without_their_accents_find_the_accented_text(tmp_path, typed, expected):
    """« licencie », « remunere », « conges payes », « preavis » find the texts saying « licencié », « rémunéré »,
    « congés payés », « préavis », with no spelling notice; a participle typed without its accents also finds its
    verb's other forms, as typed with them (« depasse »: « dépassement »; « publie »: « publier »)."""
    path = indexed(tmp_path, [
        make_article("licencie", "Salarié licencié", "Le salarié licencié perçoit une indemnité."),
        make_article("remunere", "Temps de pause", "Le temps de pause est rémunéré s'il est du travail effectif."),
        make_article("conges", "Congés payés", "Le salarié acquiert des congés payés."),
        make_article("preavis", "Durée du préavis", "Le préavis dépend de l'ancienneté."),
        make_article("plafond", "Dépassement du plafond", "Au-delà, un dépassement est majoré."),
        make_article("publie", "Règlement intérieur", "L'employeur doit publier le règlement."),
    ])
    page = search_articles(path, typed, **MEMBER)
    assert (slugs(page)[:1], page.corrected, page.suggestion) == ([expected], (), None)


def test_abbreviation_that_is_an_ordinary_word_needs_capitals(legal_wording_path):
    """« ds » typed in lowercase (texting for « dans ») does not search « délégué syndical »."""
    assert "delegue" not in slugs(search_articles(legal_wording_path, "congés ds la période d'essai", **MEMBER))
    assert slugs(search_articles(legal_wording_path, "ds", **MEMBER)) == []


def test_legal_reference_written_differently(articles_path):
    """'L4121-3' finds a body citing 'art. L. 4121-3'; the legal_refs field is searched too."""
    assert slugs(search_articles(articles_path, "L4121-3", **MEMBER)) == ["duerp"]
    assert slugs(search_articles(articles_path, "L. 5122-1", **MEMBER)) == ["activite-partielle"]


def test_a_text_with_decomposed_accents_is_found_and_finds(tmp_path):
    """A fiche whose accents are combining marks (« me\u0301decin » decomposed) is found by « médecin du travail »,
    and a query pasted so finds the fiche written with composed accents; neither is « décomposé » into « m » and
    « decin »."""
    path = indexed(tmp_path, [
        make_article("decompose", "Visite d'embauche", "Le me\u0301decin du travail reçoit le salarié."),
        make_article("compose", "Inaptitude", "Seul le médecin du travail constate l'inaptitude."),
        make_article("autre", "Congés payés", "Le salarié acquiert des congés."),
    ])
    assert sorted(slugs(search_articles(path, "médecin du travail", **MEMBER))[:2]) == ["compose", "decompose"]
    assert slugs(search_articles(path, "inaptitude me\u0301decin", **MEMBER))[:1] == ["compose"]


@pytest.mark.parametrize("text", ["L1234-9", "article L. 1234\u20139", "L 1234\u20139", "L-1234-9"])
def test_a_reference_pasted_with_another_dash_finds_the_article(tmp_path, text):
    """A fiche citing « L. 1234‑9 » with the non-breaking hyphen of service-public.fr is found by « L1234-9 », and a
    reference pasted with an en dash or typed « L-1234-9 » finds it too, first, before the fiche on another article."""
    path = indexed(tmp_path, [
        make_article("autre", "Préavis", "Sa durée est fixée par l'article L1234-1."),
        make_article("indemnite", "Indemnité de licenciement", "Elle est due (article L. 1234\u20119 du code du "
                     "travail)."),
    ])
    assert slugs(search_articles(path, text, **MEMBER))[:1] == ["indemnite"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("480h", "heures"), ("480 h", "heures"), ("35H", "duree"), ("10kg", "charges"), ("1er mai", "mai"),
     ("1607h", "annuel"), ("1607 heures", "annuel"), ("30j", "delai"),
     ("30 j.", "delai")],
)
def test_a_number_glued_to_its_unit_finds_the_spaced_form(tmp_path, text, expected):
    """« 480h » finds « 480 heures » and « 35H » « 35 heures », whether the query or the text glues the unit; « 1607h »
    finds « 1 607 heures » (thousands spaced, as French typesets them); « 30j » finds
    « 30 jours » rather than a title with « 30 »."""
    path = indexed(tmp_path, [
        make_article("heures", "Contingent", "Le contingent est porté à 480 heures par an."),
        make_article("duree", "Durée légale", "La durée légale est de 35h par semaine."),
        make_article("charges", "Port de charges", "Une charge de 10 kilogrammes au plus."),
        make_article("mai", "Jour férié", "Le 1 er mai est chômé."),
        make_article("annuel", "Durée annuelle", "La durée annuelle est de 1 607 heures."),
        make_article("seuil", "Seuil de 30 salariés", "Les obligations de l'employeur selon l'effectif."),
        make_article("delai", "Délai de contestation", "Le salarié dispose de 30 jours pour contester."),
    ])
    assert slugs(search_articles(path, text, **MEMBER))[:1] == [expected]


def test_a_past_participle_finds_its_verb(tmp_path):
    """« accord négocié » finds the article on negotiating an agreement before one that only says « accord »."""
    path = indexed(tmp_path, [
        make_article("accord", "Accord", "Accord : un accord collectif."),
        make_article("negocier", "Négocier un accord", "L'employeur et les syndicats peuvent négocier chaque année."),
        make_article("prix", "Prix", "Le prix négocié avec le fournisseur."),
    ])
    assert slugs(search_articles(path, "accord négocié", **MEMBER))[:1] == ["negocier"]


def test_a_feminine_participle_finds_its_verb_and_not_a_noun_of_another_meaning(tmp_path):
    """« définie » finds the article saying « définir » as the one saying « définie »; « parties » and « partir » find
    each their own."""
    path = indexed(tmp_path, [
        make_article("parties", "Les parties", "Les parties au contrat signent une partie des documents."),
        make_article("definir", "Définir la durée", "L'accord peut définir la durée du travail."),
        make_article("definie", "Période d'essai", "Sa durée est définie par la loi."),
        make_article("retraite", "Départ", "Le salarié peut partir à la retraite."),
    ])
    assert sorted(slugs(search_articles(path, "définie", **MEMBER))) == ["definie", "definir"]
    assert slugs(search_articles(path, "parties", **MEMBER)) == ["parties"]
    assert slugs(search_articles(path, "partir", **MEMBER)) == ["retraite"]


def test_the_infinitive_of_payer_finds_the_participle(tmp_path):
    """« payer » (also typed for the participle: « congés payer ») finds the fiches saying « payés » and « payé » as
    the one saying « paie »."""
    path = indexed(tmp_path, [
        make_article("conges", "Congés payés", "Les congés payés sont de cinq semaines."),
        make_article("salaire", "Salaire", "Le salaire est payé chaque mois."),
        make_article("bulletin", "Bulletin", "Le bulletin de paie est remis au salarié."),
        make_article("autres", "Congés pour événements familiaux", "Des congés sont accordés pour un mariage."),
    ])
    assert sorted(slugs(search_articles(path, "payer", **MEMBER))) == ["bulletin", "conges", "salaire"]
    assert slugs(search_articles(path, "congés payer", **MEMBER))[:1] == ["conges"]


@pytest.mark.parametrize("text", ["travailler le dimanche", "travaillé le dimanche", "TRAVAILLER dimanche"])
def test_a_verb_in_ailler_finds_its_noun(tmp_path, text):
    """« travailler le dimanche » finds the fiche saying « travail du dimanche » first (and the one saying
    « travailler »); « travail » alone does not reach the verb, nor « télétravailler » other words."""
    path = indexed(tmp_path, [
        make_article("dimanche", "Le travail du dimanche", "Le repos hebdomadaire est donné le dimanche."),
        make_article("verbe", "Jours fériés", "Le salarié peut travailler un jour férié."),
        make_article("autre", "Repos", "Le repos hebdomadaire."),
    ])
    assert slugs(search_articles(path, text, **MEMBER))[:2] == ["dimanche", "verbe"]
    assert slugs(search_articles(path, "travail", **MEMBER)) == ["dimanche"]


@pytest.mark.parametrize("text", ["démissionner", "je veux demissionner", "salarié démissionné"])
def test_a_verb_in_ionner_finds_its_noun(tmp_path, text):
    """« démissionner » found no fiche on the « démission » (Snowball takes « -ion » off the noun only): the verb, as
    typed or its participle, also searches its noun; the noun alone does not reach the verb, nor « question » or an
    adjective in « -ionnel » (« rupture conventionnelle » searched « convention » too) another word."""
    path = indexed(tmp_path, [
        make_article("demission", "La démission du salarié", "Le préavis de démission est dû."),
        make_article("verbe", "Forme de la lettre", "Le salarié qui veut démissionner écrit à l'employeur."),
        make_article("autre", "Préavis de licenciement", "Le préavis est dû."),
    ])
    assert sorted(slugs(search_articles(path, text, **MEMBER))) == ["demission", "verbe"]
    assert slugs(search_articles(path, "démission", **MEMBER)) == ["demission"]
    for word in ("question", "conventionnelle", "professionnels", "pensionnaire"):
        assert len(parse(word).units[0].alternatives) == 1, word


def test_a_participle_finds_its_infinitive_and_the_infinitive_its_participle(tmp_path):
    """« publier » finds the fiche titled « publié » and « publié » the one saying « publier »; « plafond dépassé »
    finds the fiche on « dépassement » and « dépasser »; « reclassé » the one on « reclassement » (Snowball stems
    these forms apart once folded). A word found through its other form is not corrected to a closest word."""
    path = indexed(tmp_path, [
        make_article("publie", "Accord publié au bulletin officiel", "L'accord de branche étendu."),
        make_article("publier", "Affichage", "L'employeur doit publier le règlement intérieur."),
        make_article("plafond", "Dépassement du plafond", "Le plafond ne peut dépasser 48 heures."),
        make_article("reclassement", "Obligation de reclassement", "Chercher un poste avant le licenciement."),
        make_article("autre", "Durée maximale", "La durée maximale de travail."),
    ])
    assert sorted(slugs(search_articles(path, "publier", **MEMBER))) == ["publie", "publier"]
    only_participle = indexed(tmp_path / "participle", [make_article("publie", "Accord publié", "Accord étendu.")])
    page = search_articles(only_participle, "publier", **MEMBER)
    assert (slugs(page), page.corrected) == (["publie"], ()), "found as « publié », so not corrected"
    assert sorted(slugs(search_articles(path, "publié", **MEMBER))) == ["publie", "publier"]
    assert slugs(search_articles(path, "plafond dépassé", **MEMBER)) == ["plafond"]
    assert slugs(search_articles(path, "salarié reclassé", **MEMBER)) == ["reclassement"]


def test_a_word_in_ier_other_than_a_verb_keeps_to_its_own_stem():
    """« particulier » does not also search « particules », nor « journalier » « journal »: only « -blier »,
    « -plier » words (« publier », « multiplier ») and accented participles search another form; « créé » or a lone
    « é » searches nothing more."""
    for word in ("particulier", "journalier", "panier", "créé", "é", "salarié"):
        assert len(parse(word).units[0].alternatives) == 1, word
    assert parse("multiplier").units[0].alternatives == (("multipli",), ("multipl",))


def test_an_ordinal_in_letters_finds_it_in_figures_and_back(tmp_path):
    """« premier mai » finds the fiche on the « 1er mai » (and the law's « 1 er mai », superscript lost), « 14e mois »
    the one on the « quatorzième mois », which is searched as typed, not corrected to « quatrième »."""
    path = indexed(tmp_path, [
        make_article("mai", "Le 1er mai", "Le 1er mai est un jour férié chômé."),
        make_article("loi", "Article L3133-4", "Le 1 er mai est jour férié et chômé."),
        make_article("prime", "La prime de quatorzième mois", "Une prime prévue par la convention collective."),
        make_article("quatrieme", "La quatrième semaine de congés", "Elle est prise à part."),
    ])
    assert sorted(slugs(search_articles(path, "premier mai", **MEMBER))) == ["loi", "mai"]
    for text in ("14e mois", "14 ème mois", "quatorzième mois"):
        page = search_articles(path, text, **MEMBER)
        assert slugs(page)[:1] == ["prime"] and "quatrieme" not in slugs(page) and page.corrected == (), text


def test_first_in_the_plural_is_no_ordinal_rank():
    """« les 45 premiers jours » keeps « premiers » as a word (« the first days »), not « 1er »; « 1 mai » without
    suffix is the number."""
    assert [unit.alternatives for unit in parse("45 premiers jours").units] == [(("45",),), (("premi",),), (("jour",),)]
    assert [unit.alternatives for unit in parse("1 mai").units] == [(("1",),), (("mai",),)]
    assert parse("1re").units == parse("première").units == parse("1 er").units


def test_a_definition_asked_for_finds_the_subject_not_the_word_definition(tmp_path):
    """« définition d'un contrat de travail » ranks the fiche on the contract first, not one that merely says
    « définition » (the word names the kind of answer, not its subject); « exemple de blâme » the fiche on the blâme."""
    path = indexed(tmp_path, [
        make_article("poste", "Définition du poste", "La définition du poste de travail est dans la fiche de poste."),
        make_article("contrat", "Le contrat de travail", "Le contrat lie le salarié à l'employeur."),
        make_article("exemple", "Exemples", "Un exemple de planning, un exemple de bulletin, un exemple de registre."),
        make_article("blame", "Le blâme", "Le blâme est une sanction disciplinaire."),
    ])
    assert slugs(search_articles(path, "définition d'un contrat de travail", **MEMBER))[:1] == ["contrat"]
    assert slugs(search_articles(path, "exemple de blâme", **MEMBER)) == ["blame"]
    assert slugs(search_articles(path, "définition", **MEMBER)) == ["poste"]


def test_a_question_asking_how_to_know_finds_the_subject(tmp_path):
    """« comment savoir quelle convention s'applique » ranks the fiche on the applicable convention first, not one
    that says « savoir » (« savoir-faire », what the employee must know)."""
    path = indexed(tmp_path, [
        make_article("savoir", "Formation et savoir-faire", "Le salarié doit savoir appliquer les consignes."),
        make_article("convention", "Quelle convention collective ?", "La convention collective de l'entreprise."),
        make_article("autre", "Entretien annuel", "Un entretien chaque année."),
    ])
    assert slugs(search_articles(path, "comment savoir quelle convention s'applique", **MEMBER))[:1] == ["convention"]


def test_the_noun_of_a_prepositional_locution_is_not_searched(tmp_path):
    """« à cause de la neige », « dans le cadre d'un CDD », « suite à un accident »: the locution's « cause »,
    « cadre », « suite » say how the words relate, so the fiche on « cause réelle et sérieuse », on the « cadre »
    status or on the « suites » of an inquiry is not listed; « cadre » typed as a word still finds its fiche."""
    path = indexed(tmp_path, [
        make_article("cause", "Cause réelle et sérieuse", "La cause du licenciement doit être réelle et sérieuse."),
        make_article("intemperies", "Chômage intempéries", "Le chantier arrêté par la neige ou le gel."),
        make_article("cadre", "Statut cadre", "Le salarié cadre et la convention de forfait."),
        make_article("cdd", "Rupture anticipée du CDD", "Le salarié en contrat à durée déterminée peut démissionner "
                     "s'il est embauché en CDI."),
        make_article("suite", "Suites de l'enquête", "La suite donnée à l'enquête."),
        make_article("at", "Accident du travail", "Déclarer l'accident du travail dans les 48 heures."),
    ])
    for text, expected in (("absent à cause de la neige", ["intemperies"]),
                           ("démissionner dans le cadre d'un CDD", ["cdd"]),
                           ("déclaration suite à un accident", ["at"]), ("cadre dirigeant", ["cadre"])):
        assert slugs(search_articles(path, text, **MEMBER)) == expected, text


def test_the_compte_of_pris_en_compte_is_not_searched(tmp_path):
    """« le congé est-il pris en compte dans l'ancienneté » asks whether it counts: the fiche on the « compte »
    personnel de formation is not listed; « compte personnel de formation » typed still finds it."""
    path = indexed(tmp_path, [
        make_article("cpf", "Compte personnel de formation", "Le compte est alimenté en euros chaque année."),
        make_article("anciennete", "Ancienneté du salarié", "Les absences assimilées à du travail effectif comptent "
                     "pour l'ancienneté."),
    ])
    assert slugs(search_articles(path, "le congé est-il pris en compte dans l'ancienneté", **MEMBER)) == ["anciennete"]
    assert slugs(search_articles(path, "le congé compte-t-il dans l'ancienneté", **MEMBER))[:1] == ["anciennete"]
    assert slugs(search_articles(path, "compte personnel de formation", **MEMBER)) == ["cpf"]


def test_a_question_asking_where_to_find_finds_the_subject(tmp_path):
    """« trouver un accord collectif », « où trouver ma convention collective » rank the fiches on the agreement and
    the convention first, not one that says « trouver » (a job to find)."""
    path = indexed(tmp_path, [
        make_article("emploi", "Trouver un emploi", "Trouver un emploi collectif, trouver une formation, trouver."),
        make_article("accord", "L'accord d'entreprise", "Un accord collectif est signé par les syndicats."),
        make_article("convention", "Quelle convention collective ?", "La convention collective de l'entreprise."),
        make_article("aide", "Aide au poste", "Montant de l'aide accordée."),
    ])
    assert slugs(search_articles(path, "trouver un accord collectif", **MEMBER))[:1] == ["accord"]
    assert slugs(search_articles(path, "où trouver ma convention collective", **MEMBER))[:1] == ["convention"]
    assert slugs(search_articles(path, "trouver", **MEMBER)) == ["emploi"]


def test_asking_what_one_is_entitled_to_searches_the_subject_not_the_word_droit(tmp_path):
    """« qui a droit au télétravail ? », « a-t-on le droit de refuser des heures supplémentaires », « quels sont mes
    droits en télétravail »: « droit » there only asks what the law allows, so a fiche on the « droit de retrait »,
    which says « droit » at every line, is not a result; typed as a notion (« droit de retrait »), or alone, it is."""
    path = indexed(tmp_path, [
        make_article("retrait", "Droit de retrait", "Le droit de retrait permet au salarié de quitter une situation de "
                     "danger; le droit d'alerte le précède."),
        make_article("teletravail", "Télétravail", "Le télétravail est mis en place par accord collectif."),
        make_article("heures", "Heures supplémentaires", "Le salarié ne peut refuser les heures supplémentaires."),
    ])
    for text, expected in (("qui a droit au télétravail ?", ["teletravail"]),
                           ("ai-je droit au télétravail", ["teletravail"]),
                           ("quels sont mes droits en télétravail", ["teletravail"]),
                           ("a-t-on le droit de refuser des heures supplémentaires", ["heures"])):
        assert slugs(search_articles(path, text, **MEMBER)) == expected, text
    assert slugs(search_articles(path, "droit de retrait en télétravail", **MEMBER))[:1] == ["retrait"]
    assert slugs(search_articles(path, "quels sont mes droits", **MEMBER)) == ["retrait"]


def test_the_code_named_in_a_question_is_not_its_subject(tmp_path):
    """« repos compensateur de nuit code du travail »: « code du travail » names where the answer is sought, so the
    fiche on the night rest is the only result, not a text on the code and on « travail »; alone it is searched."""
    path = indexed(tmp_path, [
        make_article("nuit", "Repos compensateur de nuit", "Le travailleur de nuit bénéficie d'un repos compensateur."),
        make_article("code", "Le code du travail", "Le code du travail réunit les règles du travail salarié."),
    ])
    assert slugs(search_articles(path, "repos compensateur de nuit code du travail", **MEMBER)) == ["nuit"]
    assert slugs(search_articles(path, "code du travail", **MEMBER))[:1] == ["code"]


def test_teletravailler_finds_teletravail(tmp_path):
    """« télétravailler » finds the fiche on « télétravail »; « détaillé » the one saying « détail »."""
    path = indexed(tmp_path, [
        make_article("teletravail", "Le télétravail", "Le télétravail est mis en place par accord."),
        make_article("detail", "Bulletin de paie", "Le détail des heures figure sur le bulletin."),
    ])
    assert slugs(search_articles(path, "télétravailler", **MEMBER)) == ["teletravail"]
    assert slugs(search_articles(path, "heures détaillées", **MEMBER)) == ["detail"]


def test_a_preposition_does_not_find_the_noun_of_its_stem(tmp_path):
    """« versement » finds the fiche on the payment of wages, not one saying « vers » (« du CDD vers un CDI »), and
    « durée » not one saying « durant »: Snowball stems each pair alike."""
    path = indexed(tmp_path, [
        make_article("versement", "Paiement du salaire", "Le versement du salaire a lieu une fois par mois."),
        make_article("passage", "Passer en CDI", "Le salarié passe du CDD vers un CDI."),
        make_article("duree", "Période d'essai", "La durée de la période d'essai est fixée par le contrat."),
        make_article("conges", "Congés", "Les congés pris durant la période d'essai."),
    ])
    assert slugs(search_articles(path, "versement", **MEMBER)) == ["versement"]
    assert slugs(search_articles(path, "durée période d'essai", **MEMBER))[:1] == ["duree"]
    assert slugs(search_articles(path, "durée", **MEMBER)) == ["duree"]


@pytest.mark.parametrize("text", ["rupture des CDIs", "rupture des cdis"])
def test_a_plural_acronym_finds_the_acronym_and_its_expansion(tmp_path, text):
    """« CDIs » and « cdis » find the fiche saying « CDI » and the one saying « contrat à durée indéterminée »."""
    path = indexed(tmp_path, [
        make_article("cdi", "Rompre un CDI", "Le CDI peut être rompu par démission."),
        make_article("long", "Contrat à durée indéterminée", "Sa rupture obéit à des règles."),
        make_article("autre", "Congés payés", "Les congés sont pris chaque année."),
    ])
    assert sorted(slugs(search_articles(path, text, **MEMBER))) == ["cdi", "long"]


@pytest.fixture
def integration_path(tmp_path):
    """Index fiches on the contracts and bodies of work-integration structures, one writing its acronym with dots."""
    return indexed(tmp_path, [
        make_article("cse", "Le CSE", "Le CSE est consulté sur les licenciements."),
        make_article("comite", "Comité social et économique", "Ses membres sont élus pour quatre ans."),
        make_article("elections", "Élections", "Organiser l'élection du C.S.E. dans une entreprise d'insertion."),
        make_article("cddi", "Renouvellement du CDDI", "Le CDDI est renouvelable jusqu'à 24 mois."),
        make_article("cdd", "Rupture d'un CDD", "Le CDD prend fin à son terme."),
        make_article("cdi-inclusion", "Le CDI d'inclusion", "Une SIAE peut embaucher en CDI une personne de 57 ans."),
        make_article("cdi", "Rompre un CDI", "Le CDI se rompt par démission ou licenciement."),
        make_article("passerelle", "Le contrat passerelle", "Le salarié est mis à disposition d'une entreprise."),
        make_article("contrat-pro", "Contrat de professionnalisation", "Un contrat de travail en alternance."),
        make_article("ai", "Association intermédiaire", "L'association met des salariés à disposition."),
    ])


@pytest.mark.parametrize("text", ["C.S.E.", "c.s.e", "CSE"])
def test_an_acronym_typed_with_dots_finds_what_the_acronym_finds(integration_path, text):
    """« C.S.E. » finds the fiches on the CSE, written as an acronym, in full or with dots (it searched « e », a stop
    word, and found nothing); « CSE » finds the one writing « C.S.E. »."""
    assert set(slugs(search_articles(integration_path, text, **MEMBER))) == {"cse", "comite", "elections"}


def test_the_snippet_marks_an_acronym_written_with_dots(integration_path):
    """Searching « CSE » marks the « C.S.E » of the fiche that writes it so."""
    (hit,) = [hit for hit in search_articles(integration_path, "CSE", **MEMBER).hits if hit.slug == "elections"]
    assert ">C.S.E</mark>" in hit.snippet


def test_a_one_letter_word_is_still_marked(tmp_path):
    """A one-letter term (« x ») has no two letters to look for with a dot between them: it is marked as before."""
    path = indexed(tmp_path, [make_article("x", "Rayons", "Les rayons x au travail.")])
    (hit,) = search_articles(path, "x", **MEMBER).hits
    assert ">x</mark>" in hit.snippet


def test_the_cddi_typed_with_dots_finds_the_cddi_only(integration_path):
    """« C.D.D.I. » is the CDDI: the fiche on it, not every fiche on a CDD or on insertion."""
    assert slugs(search_articles(integration_path, "C.D.D.I.", **MEMBER)) == ["cddi"]


@pytest.mark.parametrize("text", ["CDD d'insertion", "CDD insertion", "un CDD d’insertion",
                                  "contrats à durée déterminée d'insertion"])
def test_the_cdd_d_insertion_is_the_cddi_then_a_cdd(integration_path, text):
    """« CDD d'insertion » finds the fiche saying only « CDDI » first, then the one on the CDD, whose rules apply to it;
    no longer the fiches that only speak of insertion."""
    assert slugs(search_articles(integration_path, text, **MEMBER)) == ["cddi", "cdd"]


@pytest.mark.parametrize(("text", "expected"), [("CDI inclusion", ["cdi-inclusion", "cdi"]),
                                                ("contrat passerelle", ["passerelle"]), ("mon asso", ["ai"])])
def test_integration_contracts_and_words_find_their_fiche_first(integration_path, text, expected):
    """« CDI inclusion » finds the fiche on the CDI d'inclusion, then the one on the CDI, not the other contracts;
    « contrat passerelle » the one on the passerelle, not every contract; « asso » the association."""
    assert slugs(search_articles(integration_path, text, **MEMBER)) == expected


@pytest.mark.parametrize("text", ["CDD d'usage", "contrat à durée déterminée d'usage", "CDD d’usages"])
def test_the_cdd_d_usage_is_the_cddu_then_a_cdd(tmp_path, text):
    """« CDD d'usage » finds the fiches on the CDDU (as an acronym or in words) first, then the one on the CDD, whose
    rules apply to it; not the « usages » of a company. « CDDU » keeps to its own group."""
    path = indexed(tmp_path, [
        make_article("cddu", "Le CDDU", "Le CDDU est ouvert aux secteurs listés par décret."),
        make_article("extra", "Le CDD d'usage des extras", "Un CDD d'usage peut être conclu pour un extra."),
        make_article("cdd", "Rupture d'un CDD", "Le CDD prend fin à son terme."),
        make_article("usages", "Usages d'entreprise", "Un usage d'entreprise engage l'employeur."),
    ])
    found = slugs(search_articles(path, text, **MEMBER))
    assert (set(found[:2]), found[2:]) == ({"cddu", "extra"}, ["cdd"])
    assert set(slugs(search_articles(path, "CDDU", **MEMBER))) == {"cddu", "extra"}


@pytest.mark.parametrize("text", ["CDI senior", "CDI séniors"])
def test_the_cdi_senior_is_the_cdi_inclusion_then_a_cdi(integration_path, text):
    """« CDI senior » finds the fiche on the CDI d'inclusion of people of 57 or more, then the one on the CDI; not the
    other contracts."""
    assert slugs(search_articles(integration_path, text, **MEMBER)) == ["cdi-inclusion", "cdi"]


@pytest.mark.parametrize(("text", "expected"), [("indem licenciement", "indemnite"),
                                                ("licenciement éco", "economique")])
def test_a_shortened_word_finds_the_fiche_on_its_notion(tmp_path, text, expected):
    """« indem licenciement » finds the fiche on the indemnité de licenciement first, with no correction notice (it was
    respelled « index »); « licenciement éco » the fiche on the licenciement économique, before the one on a fault."""
    path = indexed(tmp_path, [
        make_article("index", "Index de l'égalité", "L'index est publié chaque année; un licenciement n'y change "
                     "rien."),
        make_article("faute", "Licenciement pour faute", "Le licenciement pour faute grave prive du préavis."),
        make_article("indemnite", "Indemnité de licenciement", "Elle est due après huit mois d'ancienneté."),
        make_article("economique", "Licenciement économique", "Il repose sur des difficultés économiques."),
    ])
    page = search_articles(path, text, **MEMBER)
    assert (slugs(page)[:1], page.corrected) == ([expected], ())


def test_a_question_in_the_first_person_searches_its_subject_only(tmp_path):
    """« est-ce que je peux refuser une mutation » finds the fiche on refusing a transfer first, not a text saying
    « peut » three times, and names no « peux » → « peut » correction: « peux » is a question word, as « puis »."""
    path = indexed(tmp_path, [
        make_article("pouvoir", "Pouvoir de direction", "L'employeur peut fixer les horaires; il peut refuser un "
                     "congé; il peut changer les tâches."),
        make_article("mutation", "Clause de mobilité", "Le salarié qui refuse une mutation prévue par sa clause de "
                     "mobilité commet une faute."),
    ])
    page = search_articles(path, "Est-ce que je peux refuser une mutation ?", **MEMBER)
    assert (slugs(page), page.corrected) == (["mutation", "pouvoir"], ())


@pytest.fixture
def conduct_path(tmp_path):
    """Index fiches on workplace conduct in the law's words, one in a member's words, and one on a crisis."""
    return indexed(tmp_path, [
        make_article("moral", "Harcèlement moral", "Aucun salarié ne doit subir des agissements répétés de harcèlement "
                     "moral."),
        make_article("violence", "Violence au travail", "L'employeur prévient les violences internes et externes."),
        make_article("injure", "Faute grave", "Une injure envers un supérieur peut justifier un licenciement."),
        make_article("insultes", "Insultes entre collègues", "Des insultes répétées entre collègues au travail."),
        make_article("crise", "Crise sanitaire", "Pendant la crise, l'activité partielle est ouverte."),
        make_article("conges", "Congés payés", "Le salarié acquiert des congés."),
    ])


@pytest.mark.parametrize(
    ("text", "first", "notions"),
    [("insultes au travail", "insultes", {"injure", "moral", "violence"}),
     ("il m'a insulté", "insultes", {"injure", "moral", "violence"}),
     ("menaces de mort", None, {"moral", "violence"}), ("intimidation", None, {"moral", "violence"}),
     ("cris", None, {"moral", "violence"}), ("mon chef crie", None, {"moral", "violence"}),
     ("dénigrement", None, {"moral"})],
)
def test_a_word_for_a_conduct_also_finds_the_notion_it_may_fall_under(conduct_path, text, first, notions):
    """« insultes », « menaces », « intimidation », « cris », « dénigrement »: a member's words for a conduct at work
    find the fiches on the notions of the law it may fall under (the « injure », harassment, violence at work), below
    a text holding the word typed; « cris » is no « crise »."""
    found = slugs(search_articles(conduct_path, text, **MEMBER))
    assert (found[:1] if first else None, set(found) - {first}) == ([first] if first else None, notions)


def test_a_notion_of_the_law_does_not_search_the_members_words(conduct_path):
    """The related notions go one way: « harcèlement moral » does not list the text on insults."""
    assert slugs(search_articles(conduct_path, "harcèlement moral", **MEMBER)) == ["moral"]


def test_the_snippet_marks_a_unit_glued_to_its_number(tmp_path):
    """Searching « heures » marks the « h » of « 35h » in the snippet, as it marks « heures »."""
    path = indexed(tmp_path, [make_article("duree", "Durée légale", "La durée légale est de 35h, soit 1607 heures.")])
    (hit,) = search_articles(path, "heures", **MEMBER).hits
    assert hit.snippet.count("<mark") == 2 and ">h</mark>" in hit.snippet


def test_the_snippet_marks_a_days_abbreviation(tmp_path):
    """Searching « jours » marks the « j » of « 30j » in the snippet, but not the elided « j » of « j'ai »."""
    path = indexed(tmp_path, [make_article("delai", "Délai", "J'ai un délai de 30j pour contester.")])
    (hit,) = search_articles(path, "jours", **MEMBER).hits
    assert hit.snippet.count("<mark") == 1 and ">j</mark> pour" in hit.snippet


def test_member_never_sees_restricted_documents(articles_path):
    """Jurists-only and draft documents are neither listed, counted nor faceted for a member."""
    page = search_articles(articles_path, "démission", **MEMBER)
    assert slugs(page) == ["preavis-demission"]
    assert page.total == 1
    assert page.facets["type"] == {"fiche": 1}
    assert "interne" not in page.facets["themes"]


def test_jurist_sees_restricted_documents(articles_path):
    """A jurist's visibility includes the internal note, and its facets count it."""
    page = search_articles(articles_path, "démission", visibilities=["public", "members", "jurists"], statuses=["published"])
    assert set(slugs(page)) == {"preavis-demission", "jurists-only"}
    assert page.facets["type"] == {"fiche": 1, "note": 1}


def test_browse_mode_lists_visible_documents_newest_first(articles_path):
    """An empty query lists every visible document by date with facets."""
    page = search_articles(articles_path, "  ", **MEMBER)
    assert page.total == 5
    assert slugs(page)[0] == "contrat-pro"
    assert slugs(page)[-1] == "duerp"
    assert page.facets["themes"]["santé"] == 2


def test_facet_filter_keeps_other_values_of_its_own_facet(articles_path):
    """Filtering on a theme narrows the hits and the type counts, not the theme counts."""
    page = search_articles(articles_path, "", themes=["santé"], **MEMBER)
    assert set(slugs(page)) == {"duerp", "script"}
    assert page.facets["type"] == {"fiche": 1, "loi": 1}
    assert page.facets["themes"]["contrat"] == 1
    page = search_articles(articles_path, "", themes=["santé"], types=["loi"], **MEMBER)
    assert slugs(page) == ["duerp"]


def test_snippet_escapes_document_html(articles_path):
    """Markup in a body is escaped; only our <mark> tags remain."""
    (hit,) = search_articles(articles_path, "courriel", **MEMBER).hits
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert '<mark class="match term0">courriel</mark>' in hit.snippet


def test_any_word_matches_and_the_page_says_when_none_has_them_all(tmp_path):
    """Documents with any of the words are found; the flag behind the hint tells whether one has them all."""
    docs = [make_article(f"both-{i}", f"Fiche {i}", "Le salarié et son employeur.") for i in range(3)]
    docs.append(make_article("salarie-only", "Autre", "Le salarié seul, le salarié encore, toujours le salarié."))
    docs.append(make_article("licorne", "Licorne", "Une licorne."))
    path = indexed(tmp_path, docs)
    page = search_articles(path, "salarié employeur", **MEMBER)
    assert page.matched_all_words and page.total == 4
    assert set(slugs(page)[:3]) == {"both-0", "both-1", "both-2"}
    page = search_articles(path, "salarié licorne", **MEMBER)
    assert not page.matched_all_words and page.total == 5
    assert slugs(page)[0] == "licorne"  # the rare word weighs more than the common one


def test_misspelled_word_is_completed(articles_path):
    """A word unknown to the index also searches its closest vocabulary word."""
    assert slugs(search_articles(articles_path, "profesionalisation", **MEMBER)) == ["contrat-pro"]


@pytest.mark.parametrize("typed", ["lemployeur", "Lemployeur", "lEmployeur"])
def test_an_elision_typed_without_its_apostrophe_is_read_as_elided(articles_path, typed):
    """« lemployeur » (a phone keyboard's « l'employeur » without the apostrophe) finds what « employeur » finds."""
    assert slugs(search_articles(articles_path, typed, **MEMBER)) == slugs(search_articles(articles_path, "employeur",
                                                                                           **MEMBER))
    assert slugs(search_articles(articles_path, typed, **MEMBER))


def test_a_misspelt_word_typed_without_its_initial_accent_is_corrected(tmp_path):
    """« electoins » (« élections » without its accent, two letters swapped) finds the fiche on « élections », as
    « elections » does: the vocabulary keeps accents and its corrections start with the typed word's first letter."""
    docs = [make_article("elections", "Élections professionnelles", "Organiser les élections du CSE."),
            make_article("autre", "Aide au poste", "Montant de l'aide.")]
    path = indexed(tmp_path, docs)
    for typed in ("elections", "electoins", "Electoins", "électoins"):
        assert slugs(search_articles(path, typed, **MEMBER)) == ["elections"], typed


def test_a_word_typed_without_its_silent_h_is_corrected(tmp_path):
    """« arcelement » and « oraires » (the silent « h » forgotten) find the fiches on « harcèlement » and « horaires »,
    and the page says what was searched."""
    path = indexed(tmp_path, [
        make_article("harcelement", "Harcèlement moral", "Le harcèlement moral est interdit."),
        make_article("horaires", "Horaires de travail", "L'affichage des horaires."),
        make_article("autre", "Aide au poste", "Montant de l'aide."),
    ])
    page = search_articles(path, "arcelement", **MEMBER)
    assert (slugs(page), page.corrected) == (["harcelement"], (("arcelement", "harcèlement"),))
    assert slugs(search_articles(path, "oraires", **MEMBER)) == ["horaires"]


def test_a_verb_typed_in_the_plural_finds_its_singular(tmp_path):
    """« les congés décalent le préavis » finds the fiche saying « décale » (no article writes « décalent », whose
    closest word was another verb: « décident »), and the page says so; a known word in « -ent » (« parents ») is not
    respelled."""
    path = indexed(tmp_path, [
        make_article("preavis", "Congés et préavis", "La prise de congés payés décale la fin du préavis."),
        make_article("decision", "Décisions du CSE", "Les élus décident à la majorité des congés."),
        make_article("accord", "Accord d'entreprise", "Les signataires décident de sa durée."),
        make_article("parents", "Congé parental", "Les parents peuvent prendre un congé parental."),
    ])
    page = search_articles(path, "les congés décalent le préavis", **MEMBER)
    assert (slugs(page)[:1], page.corrected) == (["preavis"], (("décalent", "décale"),))
    assert search_articles(path, "parents", **MEMBER).corrected == ()


def test_a_french_word_no_article_writes_is_not_respelled_as_another_word(tmp_path):
    """« insulte », a French word no article writes, is not searched as « induite » (the closest word of the
    vocabulary): alone it finds nothing and « Vouliez-vous dire » offers nothing; beside other words the search finds
    those words and names no correction. « orage » is not « orange »: it finds the fiche on « intempéries » (the
    everyday words' table), not the fruit. Words typed without their accents are French words too."""
    path = indexed(tmp_path, [
        make_article("fruits", "Corbeille de fruits", "Une orange offerte aux salariés."),
        make_article("charge", "Charge de travail induite", "La charge induite par le télétravail."),
        make_article("intemperies", "Intempéries sur les chantiers", "Le travail peut être arrêté par le gel."),
    ])
    for typed in ("insulte", "Insulte", "insultes"):
        page = search_articles(path, typed, **MEMBER)
        assert (page.total, page.suggestion, page.corrected) == (0, None, ()), typed
    for typed in ("orage", "Orage"):
        page = search_articles(path, typed, **MEMBER)
        assert (slugs(page), page.suggestion, page.corrected) == (["intemperies"], None, ()), typed
    page = search_articles(path, "arrêt du chantier pour orage", **MEMBER)
    assert (slugs(page)[:1], page.corrected) == (["intemperies"], ())
    page = search_articles(path, "insulte et charge de travail", **MEMBER)
    assert (slugs(page)[:1], page.corrected) == (["charge"], ())


@pytest.mark.parametrize("typed", ["licenciment", "liscenciement", "licensiement", "licenciemnt"])
def test_typos_of_licenciement_are_still_corrected(tmp_path, typed):
    """Misspellings no French dictionary holds are typos: each finds the fiche on « licenciement » and the page says
    it was searched so."""
    path = indexed(tmp_path, [
        make_article("licenciement", "Licenciement pour motif personnel", "La procédure de licenciement."),
        make_article("autre", "Aide au poste", "Montant de l'aide."),
    ])
    page = search_articles(path, typed, **MEMBER)
    assert (slugs(page), page.corrected) == (["licenciement"], ((typed, "licenciement"),))


@pytest.mark.parametrize("typed", ["démision", "demision", "démmission"])
def test_typos_of_demission_are_still_corrected(tmp_path, typed):
    """« démision », « demision » (one « s » left out, the accent too) find the fiche on « démission », not the more
    frequent « décision », as close in letters but not in sound, nor « émission » (« demision » is no « d'émision »)."""
    path = indexed(tmp_path, [
        make_article("demission", "Démission du salarié", "La démission doit être claire et non équivoque."),
        make_article("decision", "Décision de l'employeur", "La décision est notifiée. Une décision motivée."),
        make_article("emission", "Émission de bruit", "Limiter l'émission de bruit des machines."),
        make_article("autre", "Aide au poste", "Montant de l'aide."),
    ])
    page = search_articles(path, typed, **MEMBER)
    assert (slugs(page), page.corrected[0][1]) == (["demission"], "démission")


def test_a_corrected_word_also_searches_the_words_its_correction_searches(tmp_path):
    """« pendemie » is corrected to « pandémie », and searches what « pandémie » searches: the law's « épidémie »,
    so the fiche on the epidemic, which never says « pandémie », is found; the page names the correction."""
    path = indexed(tmp_path, [
        make_article("epidemie", "Menace d'épidémie", "En cas d'épidémie, le télétravail peut être imposé."),
        make_article("grippe", "Grippe saisonnière et pandémie", "Se laver les mains."),
        make_article("autre", "Aide au poste", "Montant de l'aide."),
    ])
    page = search_articles(path, "pendemie", **MEMBER)
    assert (sorted(slugs(page)), page.corrected) == (["epidemie", "grippe"], (("pendemie", "pandémie"),))


def test_a_verb_typed_in_the_first_person_finds_its_third_person(tmp_path):
    """« je veux démissionner » finds the fiche saying « le salarié qui veut démissionner » first (Snowball stems
    « veux » and « veut » apart, and « veux », a French word, is not respelled), and the page says so; « je pars »
    finds « part »."""
    path = indexed(tmp_path, [
        make_article("apprenti", "Rupture du contrat d'apprentissage", "L'apprenti qui veut démissionner saisit le "
                     "médiateur."),
        make_article("demission", "Démission", "La démission d'un salarié en CDI."),
        make_article("retraite", "Départ à la retraite", "Le salarié qui part à la retraite perçoit une indemnité."),
    ])
    page = search_articles(path, "je veux démissionner", **MEMBER)
    assert (slugs(page)[:1], page.corrected) == (["apprenti"], (("veux", "veut"),))
    assert slugs(search_articles(path, "je pars à la retraite", **MEMBER))[:1] == ["retraite"]


def test_a_search_says_which_words_it_searched_under_another_spelling(articles_path):
    """The page can tell the reader what was searched in place of each word the index does not know (a typo, an
    elision without its apostrophe); words it knows, and a search finding nothing, name no correction."""
    page = search_articles(articles_path, "profesionalisation lemployeur", **MEMBER)
    assert page.total and page.corrected == (("profesionalisation", "professionnalisation"),
                                             ("lemployeur", "employeur"))
    assert search_articles(articles_path, "professionnalisation", **MEMBER).corrected == ()
    assert search_articles(articles_path, "zzzqqqxyz", **MEMBER).corrected == ()


def test_suggestion_only_from_visible_vocabulary(tmp_path):
    """'Vouliez-vous dire' uses the titles of the articles the reader may see, never words of restricted ones."""
    path = indexed(tmp_path, [
        make_article("typo", "Note", "Une convantion mal écrite."),
        *(make_article(f"cc-{number}", f"Convention collective {number}", "Texte.") for number in range(10)),
        make_article("secret", "Stratagème confidentiel", "Texte.", visibility="jurists"),
    ])
    assert search_articles(path, "convantion", **MEMBER).suggestion == "convention"
    for typed in ("stratagemes", "stratajeme"):
        page = search_articles(path, typed, **MEMBER)
        assert page.total == 0 and page.suggestion is None
    jurist = {"visibilities": ["public", "members", "jurists"], "statuses": ["published"]}
    assert slugs(search_articles(path, "stratajeme", **jurist)) == ["secret"]


@pytest.mark.parametrize("hidden", [{"visibility": "jurists"}, {"status": "draft"}])
def test_a_word_of_hidden_resources_only_is_corrected_as_if_it_existed_nowhere(tmp_path, hidden):
    """Otherwise a member could tell which words a jurists' note or a draft contains: a word found nowhere is quietly
    corrected to a close visible word, a word of a hidden resource was left as typed (no result, « Vouliez-vous
    dire »)."""
    docs = [make_article("saisie", "Saisie sur salaire", "La saisie des rémunérations."),
            make_article("note", "Note interne", "Saisine du préfet envisagée, saisne à relire.", **hidden)]
    path = indexed(tmp_path, docs)
    for typed in ("saisne", "saisane"):  # a typo in the hidden note; nowhere
        page = search_articles(path, typed, **MEMBER)
        assert (slugs(page), page.suggestion) == (["saisie"], None), typed
    for typed in ("saisine", "saisons"):  # a French word in the hidden note; nowhere: neither is respelled
        page = search_articles(path, typed, **MEMBER)
        assert (slugs(page), page.suggestion, page.corrected) == ([], None, ()), typed
    jurist = {"visibilities": ["public", "members", "jurists"], "statuses": ["published", "draft"]}
    assert slugs(search_articles(path, "saisine", **jurist)) == ["note"], "staff who see it find it as typed"


def test_members_typos_are_corrected_from_members_resources(tmp_path):
    """A member's misspelt word is completed from the resources reserved to members as well as the public ones;
    an anonymous reader (public only) gets no such correction."""
    path = indexed(tmp_path, [
        make_article("licenciement", "Licenciement d'un salarié en insertion", "Procédure et motifs.",
                     visibility="members"),
        make_article("autre", "Aide au poste", "Montant de l'aide."),
    ])
    assert slugs(search_articles(path, "licenciment", **MEMBER)) == ["licenciement"]
    public = {"visibilities": ["public"], "statuses": ["published"]}
    assert search_articles(path, "licenciment", **public).suggestion is None


def test_sort_by_date(articles_path):
    """sort='date' orders matches newest first."""
    page = search_articles(articles_path, "employeur", sort="date", **MEMBER)
    assert slugs(page) == ["activite-partielle", "duerp"]


def test_pagination(articles_path):
    """Pages split the results and keep the total."""
    first = search_articles(articles_path, "", per_page=2, **MEMBER)
    third = search_articles(articles_path, "", page=3, per_page=2, **MEMBER)
    assert first.total == third.total == 5
    assert len(first.hits) == 2 and len(third.hits) == 1


def test_suggest_articles_from_free_text(articles_path):
    """A long question finds the matching article and respects visibility."""
    text = "Bonjour, mon employeur veut me mettre en activité partielle car il y a une baisse d'activité, que faire ?"
    hits = suggest_articles(articles_path, text, ["public"])
    assert hits[0].slug == "activite-partielle"
    assert "script" not in [hit.slug for hit in hits]


def test_no_visible_document_means_no_result(articles_path):
    """An empty visibility list finds nothing (an empty filter must not mean 'no filter')."""
    page = search_articles(articles_path, "démission", visibilities=[], statuses=["published"])
    assert page.total == 0 and page.hits == [] and page.facets == {"type": {}, "themes": {}}
    assert suggest_articles(articles_path, "démission préavis", []) == []


def test_documents_with_more_of_the_words_rank_higher(tmp_path):
    """A document with both words outranks a shorter one repeating the rarer word (coordination)."""
    docs = [make_article(f"filler-{i}", f"Fiche {i}", "Le salarié et sa journée.") for i in range(2)]
    docs += [make_article(f"other-{i}", f"Autre {i}", "L'employeur et sa journée.") for i in range(4)]
    docs.append(make_article("both", "Droits", "Le salarié a un préavis, que son contrat soit long ou court, et il le sait."))
    docs.append(make_article("preavis-only", "Note", "Préavis, préavis, préavis."))
    path = indexed(tmp_path, docs)
    assert slugs(search_articles(path, "salarié préavis", **MEMBER))[0] == "both"


def test_document_with_the_rare_word_outranks_one_with_the_common_words(tmp_path):
    """Missing a word found almost everywhere costs less than missing the query's specific word (idf-weighted coordination)."""
    docs = [make_article(f"filler-{i}", f"Fiche {i}", "Le salarié de l'entreprise et sa journée.") for i in range(8)]
    docs.append(make_article("preavis", "Durée", "La durée du préavis dépend de l'ancienneté."))
    docs.append(make_article("common-words", "Note", "Chaque salarié de l'entreprise a des droits."))
    path = indexed(tmp_path, docs)
    assert slugs(search_articles(path, "préavis salarié entreprise", **MEMBER))[0] == "preavis"


def test_words_side_by_side_outrank_the_same_words_apart(tmp_path):
    """Two consecutive query words found next to each other rank higher than apart (proximity)."""
    docs = [make_article(f"filler-{i}", f"Fiche {i}", "Le salarié et sa journée.") for i in range(4)]
    docs.append(make_article("apart", "Note A", "La période du salarié, un essai, se termine."))
    docs.append(make_article("adjacent", "Note B", "La période d'essai du salarié se termine."))
    path = indexed(tmp_path, docs)
    assert slugs(search_articles(path, "période essai", **MEMBER))[:2] == ["adjacent", "apart"]
    assert slugs(search_articles(path, "essai période", **MEMBER))[:2] == ["apart", "adjacent"]


@pytest.mark.parametrize(
    "text",
    [
        "NOT", "AND OR NOT", "(démission) AND NOT", "title:démission", "body:", "démiss*", "*", "?", "préavis?",
        "démission~2", "démission^3", "+démission -préavis", '"', '""', "« »", "«démission", "[démission TO préavis]",
        "{}", "\\", "démission\x00", "NOT NOT NOT", ":", "/", "démission && préavis || !licenciement",
    ],
)
def test_search_syntax_typed_by_users_never_fails(articles_path, text):
    """Whoosh operators, wildcards, field prefixes and broken quotes give a result page, never an error."""
    page = search_articles(articles_path, text, **MEMBER)
    assert page.total >= 0 and len(page.hits) <= page.per_page
    if "démission" in text and "NOT" not in text:
        assert "preavis-demission" in slugs(page)
