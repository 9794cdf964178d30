"""Pseudonymisation of help-desk questions and answers before they become FAQ articles.

Every name, number and address below is fictional.
"""

import unicodedata

import pytest

from helpdesk.triage.pseudonymize import PLACEHOLDERS, find_personal_data, pseudonymize


def fold(text: str) -> str:
    """Lower-case and strip accents, to check that nothing survives in another spelling."""
    return "".join(char for char in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(char))


def assert_absent(items, text):
    """Assert that no personal item survives in the text, whatever its case or accents."""
    for item in items:
        assert fold(item) not in fold(text), f"{item!r} survived in:\n{text}"


def assert_intact(items, text):
    """Assert that every legal reference, date, amount or acronym survives exactly."""
    for item in items:
        assert item in text, f"{item!r} was damaged in:\n{text}"


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "01 23 45 67 89",
        "04.76.12.34.56",
        "0690 12 34 56",
        "+590 690 12 34 56",
        "+596 696 98 76 54",
        "+262 692 11 22 33",
        "+594 694 44 55 66",
        "+269 639 12 34 56",
        "0 800 123 456",
    ],
)
def test_phone_numbers_are_replaced(phone):
    """French, international and overseas phone formats are replaced."""
    assert pseudonymize(f"Vous pouvez la joindre au {phone}, merci.") == "Vous pouvez la joindre au [téléphone], merci."


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("123 456 789 00012", "[SIRET]"),
        ("12345678900012", "[SIRET]"),
        ("123.456.789.00012", "[SIRET]"),
        ("123 456 789 000 12", "[SIRET]"),
        ("123 456 789", "[SIREN]"),
        ("123456789", "[SIREN]"),
        ("1 85 05 78 006 084 36", "[numéro de sécurité sociale]"),
        ("185057800608436", "[numéro de sécurité sociale]"),
        ("2 91 12 2A 004 123", "[numéro de sécurité sociale]"),
        ("FR76 3000 6000 0112 3456 7890 189", "[IBAN]"),
        ("FR7630006000011234567890189", "[IBAN]"),
        ("prenom.nom+iae@asso-exemple.fr", "[adresse e-mail]"),
        ("contact@jardins-solidaires.org", "[adresse e-mail]"),
    ],
)
def test_identifiers_are_replaced(value, placeholder):
    """SIRET, SIREN, NIR, IBAN and e-mail addresses get their own placeholder."""
    assert pseudonymize(f"Référence : {value}.") == f"Référence : {placeholder}."


@pytest.mark.parametrize(
    "address",
    [
        "12 rue des Lilas",
        "12 rue des Lilas, 75011 Paris",
        "3 bis avenue Jean Jaurès",
        "15, boulevard Voltaire",
        "7 chemin de la Croix-Rousse 69004 Lyon",
        "2 allée des Peupliers",
        "9 impasse du Moulin",
        "4 place de la République",
        "1 route de Saint-Denis, 97400 Saint-Denis",
        "21 quai Perrache",
        "8 cours Lafayette",
        "lieu-dit Les Granges",
        "75011 Paris",
        "97200 Fort-de-France",
        "13001 Marseille Cedex 01",
    ],
)
def test_postal_addresses_are_replaced(address):
    """Street addresses, with or without postal code and city, are replaced."""
    assert pseudonymize(f"Elle habite {address}.") == "Elle habite [adresse]."


def test_street_and_city_on_two_lines_become_one_address():
    """A street line followed by a postal-code line becomes a single placeholder."""
    assert pseudonymize("Adresse :\n12 rue des Lilas\n75011 Paris\n") == "Adresse :\n[adresse]\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je vous écris pour M. Martin.", "Je vous écris pour M. [personne]."),
        ("Le contrat de Mme Sophie LEBLANC arrive à terme.", "Le contrat de Mme [personne] arrive à terme."),
        ("Monsieur Karim Benali a signé.", "Monsieur [personne] a signé."),
        ("Madame Durand nous a appelés.", "Madame [personne] nous a appelés."),
        ("Mlle Chloé Bertrand et Dr Hugo Lefèvre.", "Mlle [personne] et Dr [personne]."),
        ("Voir avec Me Castagnet, avocate.", "Voir avec Me [personne], avocate."),
        ("M. Karim Benali du CSE a été consulté.", "M. [personne] du CSE a été consulté."),
        ("Monsieur de Villaret est absent.", "Monsieur [personne] est absent."),
        ("Julie MARCHAND suit le dossier.", "[personne] suit le dossier."),
        ("Dossier de MARTINEZ Lucas, entré en mars.", "Dossier de [personne], entré en mars."),
        ("Thibault N'GUESSAN est en CDDI.", "[personne] est en CDDI."),
        ("Cordialement, Paul Girard", "Cordialement, [personne]"),
        ("Bien cordialement,\n\nPaul Girard\nJuriste", "Bien cordialement,\n\n[personne]\nJuriste"),
        ("La salariée Aminata souhaite se former.", "La salariée [personne] souhaite se former."),
        ("Le salarié Jean-Baptiste ROUSSEL est absent.", "Le salarié [personne] est absent."),
        ("Je m'appelle Inès Carpentier.", "Je m'appelle [personne]."),
    ],
)
def test_names_are_found_by_heuristics(text, expected):
    """Titles, capitalised surnames, signatures and roles reveal names; titles are kept."""
    assert pseudonymize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Madame, Monsieur,",
        "Madame la Directrice, Monsieur le Président,",
        "Bonjour Madame,",
        "Le CSE, la DREETS et l'URSSAF ont été informés.",
        "Notre ACI et une ETTI du secteur, avec l'OPCO.",
        "Le SMIC horaire, le DUER et le CDDI de 24 mois.",
        "Le PASS IAE est délivré par Pôle emploi.",
        "Contrat CDDI renouvelé. Code du travail applicable.",
        "Cordialement,\nL'équipe juridique",
        "Bien cordialement,\nLe service juridique de la Fédération",
        "Merci d'avance pour votre retour.",
        "La salariée en CDDI a travaillé 480 heures.",
        "L'ETTI Intérim Solidaire et l'EI Recyclerie du Nord.",
        "Chiffre d'affaires : 123 456 789 €, capital 150 000 euros, 12000 salariés.",
        "Cass. soc., 3 juin 2020, n° 18-13.628 ; CPH Lyon, RG n° 21/01234.",
    ],
)
def test_ordinary_capitalised_words_are_not_names(text):
    """Salutations, roles, institutions and acronyms are left alone."""
    assert pseudonymize(text) == text


def test_known_names_are_found_whatever_their_case_and_accents():
    """Given names match in any case and with or without accents."""
    text = "HÉLÈNE ROCHER a écrit. helene rocher relance. Hélène attend ; Mme Rocher aussi."
    assert pseudonymize(text, known_names=["Hélène Rocher"]) == (
        "[personne] a écrit. [personne] relance. [personne] attend ; Mme [personne] aussi."
    )


def test_a_surname_found_once_is_hidden_everywhere_it_is_capitalised():
    """A name found by a heuristic is also hidden where it appears alone."""
    text = "Mme Fatou DIALLO a appelé. DIALLO a rappelé ; Fatou est inquiète."
    assert pseudonymize(text) == "Mme [personne] a appelé. [personne] a rappelé ; [personne] est inquiète."


def test_structure_names_are_replaced_whatever_their_case_and_accents():
    """Given structure names match in any case and with or without accents."""
    text = "L'association Les Jardins de l'Étang (LES JARDINS DE L'ETANG) emploie 40 salariés."
    assert pseudonymize(text, structure_names=["Les Jardins de l'Étang"]) == (
        "L'association [structure] ([structure]) emploie 40 salariés."
    )


def test_find_personal_data_lists_kinds_and_matches_in_text_order():
    """The reviewer's list gives each kind and matched text in reading order."""
    text = "Mme Fatou DIALLO (fatou.diallo@exemple.fr, 06 12 34 56 78) travaille aux Jardins du Vercors."
    assert find_personal_data(text, structure_names=["Jardins du Vercors"]) == [
        ("person", "Fatou DIALLO"),
        ("email", "fatou.diallo@exemple.fr"),
        ("phone", "06 12 34 56 78"),
        ("structure", "Jardins du Vercors"),
    ]
    assert {kind for kind, _ in find_personal_data(text)} <= set(PLACEHOLDERS)


def test_empty_text_has_no_personal_data():
    """An empty text stays empty."""
    assert find_personal_data("") == []
    assert pseudonymize("") == ""


LEGAL_CONTENT = [
    "article L5132-5",
    "L. 1242-2",
    "R5132-1",
    "R. 5132-10-1",
    "2020-1577",
    "14 décembre 2020",
    "01/09/2021",
    "1 539,42 €",
    "480 heures",
    "Code du travail",
    "Pôle emploi",
    "PASS IAE",
    "CDDI",
    "CSE",
    "DUER",
    "ACI",
    "ETTI",
    "SMIC",
    "URSSAF",
    "DREETS",
    "OPCO",
]

MESSAGES = [
    pytest.param(
        """Objet : renouvellement du CDDI de Mme Fatou DIALLO

Bonjour,

Je suis chargée d'insertion aux Jardins du Vercors (ACI, SIRET 123 456 789 00012).
Nous souhaitons renouveler le CDDI de Mme Fatou DIALLO, entrée le 01/09/2021, au-delà de
24 mois : elle a un PASS IAE valable jusqu'au 14 décembre 2023 et a effectué 480 heures.
Son salaire est de 1 539,42 € brut mensuel (SMIC).

Vous pouvez la joindre au 06 12 34 56 78 ou par mail : fatou.diallo@exemple.fr.
Elle habite 12 rue des Lilas, 38000 Grenoble.

L'article L5132-5 du Code du travail permet-il une prolongation ? Le CSE doit-il être consulté ?

Merci d'avance,
Sophie Leblanc
""",
        ["Fatou", "DIALLO", "123 456 789 00012", "06 12 34 56 78", "fatou.diallo@exemple.fr",
         "12 rue des Lilas", "38000 Grenoble", "Sophie", "Leblanc", "Jardins du Vercors"],
        ["01/09/2021", "14 décembre 2023", "480 heures", "1 539,42 €", "L5132-5", "Code du travail", "CSE",
         "PASS IAE", "SMIC", "ACI", "Mme [personne]", "24 mois"],
        (),
        ["Jardins du Vercors"],
        id="member-asks-cddi-renewal",
    ),
    pytest.param(
        """Madame Leblanc,

Le CDDI peut être prolongé au-delà de 24 mois dans les cas prévus à l'article L5132-15-1 du
Code du travail, notamment pour les salariés âgés de 50 ans et plus ou reconnus travailleurs
handicapés (RQTH). Les articles R5132-10 et R5132-10-1 précisent la procédure ; la durée
hebdomadaire ne peut être inférieure à 20 heures (article L5132-15-1, alinéa 3).

Pour Mme DIALLO, la prolongation est possible si l'aide au poste est maintenue : le montant
socle de l'aide s'élève à 22 010 € par ETP pour un ACI (arrêté du 14 décembre 2020).
La DREETS doit être informée, et l'URSSAF n'a pas à l'être.

Bien cordialement,

Paul Girard
Juriste - pôle juridique
""",
        ["Leblanc", "DIALLO", "Paul", "Girard"],
        ["L5132-15-1", "R5132-10", "R5132-10-1", "Code du travail", "24 mois", "50 ans", "20 heures",
         "22 010 €", "14 décembre 2020", "DREETS", "URSSAF", "RQTH", "ACI", "ETP", "Madame [personne]",
         "Mme [personne]"],
        (),
        (),
        id="jurist-answers-with-articles-and-amounts",
    ),
    pytest.param(
        """Bonjour,

Suite à notre échange téléphonique, je vous transmets la question de notre directeur.

Bien à vous,

Aurélie CASTAGNET
Directrice adjointe - Solidarité Emploi Vallée
3 bis avenue Jean Jaurès
69007 Lyon
Tél. : 04.72.11.22.33 - Port. : +33 (0)6 45 67 89 01
a.castagnet@solidarite-emploi-vallee.org
SIRET : 98765432100019
""",
        ["Aurélie", "CASTAGNET", "04.72.11.22.33", "+33 (0)6 45 67 89 01", "a.castagnet@solidarite-emploi",
         "Jean Jaurès", "69007 Lyon", "98765432100019", "Solidarité Emploi Vallée"],
        ["Directrice adjointe", "Tél. : [téléphone]", "Port. : [téléphone]", "SIRET : [SIRET]"],
        (),
        ["Solidarite Emploi Vallee"],
        id="signature-block",
    ),
    pytest.param(
        """OBJET : SITUATION DE M. MARTINEZ Lucas ET DE BERTRAND Chloé

Bonjour,
Le salarié Jean-Baptiste ROUSSEL (ETTI) nous signale que MARTINEZ Lucas et Chloé BERTRAND ont
été mis à disposition d'une entreprise utilisatrice sans avenant. M. ROUSSEL a prévenu le CSE.
Que prévoit l'article L. 1251-5 ? Les missions durent 480 heures au total.
""",
        ["MARTINEZ", "Lucas", "BERTRAND", "Chloé", "Jean-Baptiste", "ROUSSEL"],
        ["OBJET : SITUATION DE M. [personne]", "ETTI", "CSE", "L. 1251-5", "480 heures"],
        (),
        (),
        id="names-in-capitals",
    ),
    pytest.param(
        """Bonjour,

Notre structure est en Guadeloupe. Le numéro de la salariée Marie-Josée Céleste est le
+590 690 12 34 56 (ou 06.90.12.34.56 en métropole), et celui de son tuteur M. Ferdinand
est le +33 (0)6 98 76 54 32. Le standard : 0590 81 22 33.
Elle a débuté le 2 mai 2022 ; la fin du CDDI est fixée au 1er mai 2024. Le 27 mai est férié ici.
""",
        ["Marie-Josée", "Céleste", "+590 690 12 34 56", "06.90.12.34.56", "Ferdinand", "+33 (0)6 98 76 54 32",
         "0590 81 22 33"],
        ["Guadeloupe", "2 mai 2022", "1er mai 2024", "27 mai", "CDDI", "M. [personne]"],
        (),
        (),
        id="overseas-phone-numbers",
    ),
    pytest.param(
        """Bonjour Madame, Monsieur,

Dans notre ACI, le salarié en CDDI (Mme Rose MOREAU) a été placé en activité partielle du
17/03/2020 au 10/05/2020. Nous avons versé 70 % de la rémunération brute, soit 1 077,59 € pour
151,67 heures, dans la limite de 4,5 SMIC. L'OPCO nous demande le DUER et l'attestation URSSAF.
Son numéro de sécurité sociale est le 2 75 04 13 055 123 45 et son RIB
FR76 1027 8060 3100 0205 2830 142. Rose se demande si elle peut cumuler avec un CDI de 10 heures.
""",
        ["Rose", "MOREAU", "2 75 04 13 055 123 45", "FR76 1027 8060 3100 0205 2830 142"],
        ["ACI", "CDDI", "17/03/2020", "10/05/2020", "70 %", "1 077,59 €", "151,67 heures", "4,5 SMIC", "OPCO",
         "DUER", "URSSAF", "CDI de 10 heures", "Bonjour Madame, Monsieur,"],
        (),
        (),
        id="identifiers-and-short-time-work",
    ),
    pytest.param(
        """Bonjour,

Lors du conseil d'administration du 12 juin 2023, Mme la Présidente a rappelé que helene rocher,
notre comptable, avait relevé une erreur. HÉLÈNE ROCHER a recalculé l'indemnité : 2 345,00 €.
Mme Rocher est joignable au 01 23 45 67 89. Son adresse : 8 impasse du Moulin 57000 Metz.
La Moselle applique le droit local (article L. 3134-13 du Code du travail).
""",
        ["helene", "rocher", "01 23 45 67 89", "impasse du Moulin", "57000 Metz"],
        ["12 juin 2023", "Mme la Présidente", "2 345,00 €", "L. 3134-13", "Code du travail", "Moselle"],
        ["Hélène Rocher"],
        (),
        id="known-names-lowercase-and-capitals",
    ),
    pytest.param(
        """Bonjour,

Je m'appelle Inès Carpentier, je suis la nouvelle coordinatrice de l'Atelier Bois Partagé
(SIREN 552 100 554). Le siège est au lieu-dit Morne Rouge, 97260 Le Morne-Rouge, et
l'antenne au 4 place de la République 97200 Fort-de-France.
Notre convention avec la DREETS court jusqu'au 31/12/2025 pour 12 ETP.

Très cordialement,
Inès Carpentier
""",
        ["Inès", "Carpentier", "552 100 554", "Morne Rouge", "97260", "place de la République", "97200",
         "Atelier Bois Partagé"],
        ["DREETS", "31/12/2025", "12 ETP", "SIREN [SIREN]"],
        (),
        ["Atelier Bois Partagé"],
        id="overseas-structure-addresses",
    ),
    pytest.param(
        """Bonjour Karim,

Le contrat de M. Karim Benali, salarié de l'EI depuis le 3 janvier 2022, a été suspendu pour
maladie. Karim Benali reprendra le 15 février. Merci de renvoyer la DPAE à karim.benali@mail.test.

Cordialement,
Paul Girard
""",
        ["Karim", "Benali", "karim.benali@mail.test", "Paul", "Girard"],
        ["EI", "3 janvier 2022", "15 février", "DPAE", "M. [personne]"],
        ["Karim Benali"],
        (),
        id="known-full-name-and-first-name-alone",
    ),
]


@pytest.mark.parametrize(("text", "personal", "legal", "known_names", "structure_names"), MESSAGES)
def test_realistic_message_keeps_no_personal_data_and_all_legal_content(
    text, personal, legal, known_names, structure_names
):
    """No personal item survives in a realistic message, and its legal content does."""
    result = pseudonymize(text, known_names=known_names, structure_names=structure_names)
    assert_absent(personal, result)
    assert_intact(legal, result)


def test_legal_content_without_personal_data_survives_unchanged():
    """A text of references, dates, amounts and acronyms comes out unchanged."""
    text = """Rappel du cadre légal

Depuis la loi n° 2020-1577 du 14 décembre 2020, le PASS IAE remplace l'agrément de Pôle emploi.
Le CDDI (article L5132-5 du Code du travail, article R5132-1) est conclu pour 4 mois minimum ;
le renouvellement est possible dans la limite de 24 mois (L. 1242-2 ne s'applique pas).
Les AI doivent respecter la règle des 480 heures (article L. 5132-9) sur 24 mois à compter du 01/09/2021.
Le montant de l'aide au poste ACI est de 22 010 € ; une ETTI perçoit 1 539,42 € par ETP,
montants publiés au JORF du 26/04/2022. Le SMIC horaire brut est de 11,27 € au 1er janvier 2023.
Le CSE, le DUER, l'URSSAF, la DREETS et l'OPCO sont vos interlocuteurs.
Décret n° 2021-1128 du 30 août 2021, articles R. 5132-10-1 à R. 5132-10-4.
Contact : le service juridique, du lundi au vendredi de 9 h à 18 h (3 cours de 2 heures en mars).
"""
    assert find_personal_data(text) == []
    assert pseudonymize(text) == text
    assert_intact(LEGAL_CONTENT, pseudonymize(text))
