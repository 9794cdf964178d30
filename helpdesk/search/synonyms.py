"""Synonyms and French labour-law abbreviations, expanded at query time only.

Each group lists expressions that mean the same thing; a query containing one
of them also searches for the others (multiword expressions as phrases).
Matching ignores case and accents, except for the expressions listed in
``CASE_SENSITIVE`` which are ordinary French words in lowercase ("ai", "ce",
"at") and so only count as abbreviations when typed in capitals.

The index never sees this table: editing it takes effect without a rebuild.
"""

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("CDI", "contrat à durée indéterminée"),
    ("CDD", "contrat à durée déterminée"),
    ("CDDI", "contrat à durée déterminée d'insertion"),
    ("CDDU", "CDD d'usage", "contrat à durée déterminée d'usage"),
    ("AI", "association intermédiaire"),
    ("ACI", "atelier et chantier d'insertion", "atelier chantier d'insertion", "chantier d'insertion"),
    ("EI", "entreprise d'insertion"),
    ("ETTI", "entreprise de travail temporaire d'insertion"),
    ("IAE", "insertion par l'activité économique"),
    ("PASS IAE", "agrément IAE", "pass insertion par l'activité économique"),
    ("DUER", "DUERP", "document unique d'évaluation des risques", "document unique"),
    ("CSE", "comité social et économique"),
    ("CE", "comité d'entreprise"),
    ("CHSCT", "comité d'hygiène de sécurité et des conditions de travail"),
    ("chômage partiel", "activité partielle", "chômage technique"),
    ("SMIC", "salaire minimum interprofessionnel de croissance", "salaire minimum"),
    ("RTT", "réduction du temps de travail"),
    ("CP", "congés payés"),
    ("AT/MP", "accident du travail", "maladie professionnelle"),
    ("AT", "accident du travail"),
    ("MP", "maladie professionnelle"),
    ("RC", "rupture conventionnelle", "rupture d'un commun accord"),
    ("arrêt maladie", "arrêt de travail", "arrêt pour maladie"),
    ("licenciement", "licencié", "licencier", "renvoi", "congédiement"),
    ("préavis", "délai de prévenance"),
    ("mutuelle", "complémentaire santé"),
    ("prud'hommes", "conseil de prud'hommes", "CPH", "prud'homal", "prud'homale"),
    ("13e mois", "13ème mois", "13eme mois", "13 ème mois", "treizième mois"),
    ("ARE", "allocation d'aide au retour à l'emploi", "allocation chômage"),
    ("Pôle emploi", "France Travail"),
    ("visite médicale", "médecine du travail"),
    ("ticket restaurant", "titre restaurant"),
    ("heures sup", "heures supplémentaires"),
    ("PSE", "plan de sauvegarde de l'emploi"),
    ("CPF", "compte personnel de formation"),
    ("RQTH", "reconnaissance de la qualité de travailleur handicapé"),
    ("IJ", "IJSS", "indemnités journalières"),
    ("DPAE", "déclaration préalable à l'embauche"),
    ("fiche de paie", "bulletin de paie", "bulletin de salaire", "fiche de salaire"),
    ("mi-temps thérapeutique", "temps partiel thérapeutique"),
    ("inapte", "inaptitude"),
    ("CESU", "chèque emploi service universel"),
    ("convention collective", "CCN", "IDCC"),
)

CASE_SENSITIVE: frozenset[str] = frozenset({"AI", "EI", "CE", "CP", "AT", "MP", "RC", "IJ"})
