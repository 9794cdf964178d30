"""Synonyms and French labour-law abbreviations, expanded at query time only.

Each group lists expressions that mean the same thing; a query containing one
of them also searches for the others (multiword expressions as phrases).
Matching ignores case and accents, except for the expressions listed in
``CASE_SENSITIVE`` which are ordinary French words in lowercase ("ai", "ce",
"at"; "ds" is texting for "dans") and so only count as abbreviations when
typed in capitals.

``EVERYDAY_WORDS`` holds one-way expansions: a member's everyday or colloquial word (« viré », « boulot »,
« patron », « mise au placard », « orage ») also searches the word of the law (« licenciement », « travail »,
« employeur », « harcèlement moral », « intempéries »), and a contract of the IAE written in words (« CDD
d'insertion ») the kind of contract it is (« CDD »), never the reverse: a
search for « employeur » is not widened to every text saying « patron », nor « licenciement » to « renvoi » (in the
code mostly a referral to a court or another article).

``RELATED_NOTIONS`` holds one-way expansions to notions that are no equivalent: a member's word for a conduct at
work (« insulte », « menaces », « cris ») also searches the notion of the law it may fall under (« harcèlement
moral », « violence »), with a lower weight than the words typed.

The index never sees these tables: editing them takes effect without a rebuild.
"""

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("CDI", "contrat à durée indéterminée"),
    ("CDD", "contrat à durée déterminée"),
    ("CDDI", "contrat à durée déterminée d'insertion", "CDD d'insertion", "CDD insertion"),
    # The CDI a structure of the IAE may sign with a person of 57 or more (loi « Inclusion » of 14 December 2020).
    ("CDI inclusion", "CDI d'inclusion", "contrat à durée indéterminée d'inclusion"),
    # The experimental loan of an integration employee to an ordinary company (same law): « passerelle » alone
    # names it too (« la passerelle vers l'entreprise »), and « contrat passerelle » is no text on any contract.
    ("contrat passerelle", "passerelle"),
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
    ("SMIC", "salaire minimum interprofessionnel de croissance", "salaire minimum", "SMIG"),
    ("RTT", "réduction du temps de travail"),
    ("CP", "congés payés"),
    ("AT/MP", "accident du travail", "maladie professionnelle"),
    ("AT", "accident du travail"),
    ("MP", "maladie professionnelle"),
    ("RC", "rupture conventionnelle", "rupture d'un commun accord", "rupture co", "rupture conv"),
    ("arrêt maladie", "arrêt de travail", "arrêt pour maladie", "congé maladie", "congé de maladie"),
    ("licenciement", "licencié", "licencier", "congédiement"),
    ("préavis", "délai de prévenance", "délai-congé"),
    ("mutuelle", "complémentaire santé"),
    (
        "prud'hommes", "conseil de prud'hommes", "CPH", "prud'homal", "prud'homale",
        "prud'homme", "prudhommes", "prudhomme",
    ),
    ("13e mois", "13ème mois", "13eme mois", "13 ème mois", "treizième mois"),
    ("ARE", "allocation d'aide au retour à l'emploi", "allocation chômage"),
    ("Pôle emploi", "France Travail"),
    ("visite médicale", "médecine du travail", "visite méd"),
    ("ticket restaurant", "titre restaurant"),
    ("heures sup", "heures supplémentaires"),
    ("PSE", "plan de sauvegarde de l'emploi"),
    ("CPF", "compte personnel de formation"),
    ("RQTH", "reconnaissance de la qualité de travailleur handicapé"),
    ("IJ", "IJSS", "indemnités journalières"),
    ("DPAE", "déclaration préalable à l'embauche"),
    (
        "fiche de paie", "bulletin de paie", "bulletin de salaire", "fiche de salaire",
        "fiche de paye", "bulletin de paye", "feuille de paie", "feuille de paye",
    ),
    ("mi-temps thérapeutique", "temps partiel thérapeutique"),
    ("inapte", "inaptitude"),
    ("CESU", "chèque emploi service universel"),
    ("convention collective", "CCN", "IDCC", "conv collective"),
    # Schemes, bodies and documents of labour law and integration (official name <-> abbreviation;
    # a renamed body or scheme keeps its former name, as Pôle emploi <-> France Travail).
    ("AGS", "garantie des salaires", "assurance de garantie des salaires", "régime de garantie des salaires"),
    ("CUI", "contrat unique d'insertion"),
    ("PEC", "parcours emploi compétences", "parcours emploi compétence"),
    ("AFPR", "action de formation préalable au recrutement"),
    ("POE", "préparation opérationnelle à l'emploi"),
    ("PMSMP", "période de mise en situation en milieu professionnel", "immersion professionnelle"),
    ("VAE", "validation des acquis de l'expérience"),
    ("OPCO", "opérateur de compétences"),
    ("OPCA", "organisme paritaire collecteur agréé"),
    (
        "BDES", "BDESE", "base de données économiques et sociales",
        "base de données économiques sociales et environnementales",
    ),
    ("NAO", "négociation annuelle obligatoire"),
    ("APLD", "activité partielle de longue durée", "activité réduite pour le maintien en emploi"),
    ("ANI", "accord national interprofessionnel"),
    ("DSN", "déclaration sociale nominative"),
    ("SPST", "service de prévention et de santé au travail", "service de santé au travail"),
    ("IRP", "institutions représentatives du personnel", "instances représentatives du personnel"),
    ("DS", "délégué syndical"),
    ("DP", "délégué du personnel"),
    ("RSS", "représentant de la section syndicale"),
    ("CSSCT", "commission santé sécurité et conditions de travail"),
    ("UES", "unité économique et sociale"),
    ("RSA", "revenu de solidarité active"),
    ("AAH", "allocation aux adultes handicapés"),
    ("ASS", "allocation de solidarité spécifique"),
    ("OETH", "obligation d'emploi des travailleurs handicapés"),
    ("CPF de transition", "projet de transition professionnelle", "PTP"),
    ("CEP", "conseil en évolution professionnelle"),
    (
        "GPEC", "gestion prévisionnelle des emplois et des compétences",
        "gestion prévisionnelle de l'emploi et des compétences",
        "GEPP", "gestion des emplois et des parcours professionnels",
    ),
    ("GEIQ", "groupement d'employeurs pour l'insertion et la qualification"),
    ("SIAE", "structure d'insertion par l'activité économique"),
    ("EA", "entreprise adaptée"),
    ("ESAT", "établissement et service d'aide par le travail", "établissement ou service d'aide par le travail"),
    ("CFA", "centre de formation d'apprentis"),
    ("ETT", "entreprise de travail temporaire", "agence d'intérim"),
    ("DREETS", "DIRECCTE"),
    ("CPAM", "caisse primaire d'assurance maladie"),
    ("MSA", "mutualité sociale agricole"),
    ("CARSAT", "caisse d'assurance retraite et de la santé au travail"),
    ("CSG", "contribution sociale généralisée"),
    ("QVT", "qualité de vie au travail", "QVCT", "qualité de vie et des conditions de travail"),
    ("RPS", "risques psychosociaux"),
    ("TMS", "troubles musculo-squelettiques", "troubles musculosquelettiques"),
    ("EPI", "équipement de protection individuelle"),
    ("ALD", "affection de longue durée"),
    ("ETP", "équivalent temps plein"),
    ("STC", "solde de tout compte"),
    ("IK", "indemnités kilométriques", "indemnité kilométrique", "frais kilométriques"),
    ("code APE", "code NAF"),
    ("PPV", "prime de partage de la valeur"),
    ("PEPA", "prime exceptionnelle de pouvoir d'achat"),
    ("PEE", "plan d'épargne d'entreprise", "plan d'épargne entreprise"),
    ("PEI", "plan d'épargne interentreprises"),
    ("PERCO", "plan d'épargne pour la retraite collectif"),
    ("HCR", "hôtels cafés restaurants"),
    # Everyday words for what the code names otherwise.
    ("toilettes", "WC", "cabinets d'aisance", "cabinet d'aisance"),
    ("inspecteur du travail", "inspection du travail"),
    ("canicule", "fortes chaleurs", "vague de chaleur", "épisode caniculaire"),
    ("burn-out", "burnout", "épuisement professionnel"),
    ("auto-entrepreneur", "autoentrepreneur", "micro-entrepreneur", "microentrepreneur"),
    ("travail au noir", "travail dissimulé", "travail non déclaré"),
    ("forfait jours", "forfait jour", "forfait annuel en jours", "convention de forfait en jours"),
    (
        "attestation Pôle emploi", "attestation destinée à Pôle emploi", "attestation France Travail",
        "attestation employeur destinée à France Travail",
    ),
)

# (everyday expressions, what each also searches). Each expression is matched as typed (accents and case aside; one
# word in the forms listed, so « virement » is not « viré »), several words also by their stems.
EVERYDAY_WORDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("virer", "viré", "virée", "virés", "virées", "mis à la porte", "mise à la porte", "renvoi"),
        ("licenciement", "licencier"),
    ),
    (("asso", "assos", "assoc"), ("association",)),
    # Words members shorten: « indem licenciement », « licenciement éco ».
    (("indem", "indemn"), ("indemnité",)),
    (("licenciement éco", "licenciements éco", "licenciement pour motif éco"), ("licenciement économique",)),
    # A contract of the IAE written in words names the CDD or CDI it is: the texts on the CDD (the CDI) apply to it
    # save its own rules, and a member who typed « CDD » still finds them, after the texts on the contract itself.
    (
        ("CDD d'insertion", "CDD insertion", "contrat à durée déterminée d'insertion"),
        ("CDD", "contrat à durée déterminée"),
    ),
    (
        ("CDD d'usage", "contrat à durée déterminée d'usage"),
        ("CDD", "contrat à durée déterminée"),
    ),
    (
        ("CDI inclusion", "CDI d'inclusion", "contrat à durée indéterminée d'inclusion"),
        ("CDI", "contrat à durée indéterminée"),
    ),
    # « CDI senior » names a CDI for older people: in the IAE the CDI d'inclusion of a person of 57 or more (same
    # law), in the press since 2025 also the « contrat de valorisation de l'expérience » of jobseekers of 60 or more;
    # it searches both and the CDI, one way (a search for the CDI d'inclusion is not widened to the other contract).
    (
        ("CDI senior", "CDI seniors"),
        ("CDI inclusion", "CDI d'inclusion", "contrat à durée indéterminée d'inclusion",
         "contrat de valorisation de l'expérience", "CDI", "contrat à durée indéterminée"),
    ),
    (("boulot", "boulots", "taf", "job", "jobs", "bosser", "bossé", "bosse"), ("travail", "emploi")),
    (("patron", "patronne", "patrons", "patronnes"), ("employeur",)),
    (("vacances",), ("congés payés",)),
    (("mi-temps",), ("temps partiel",)),
    (("prime de précarité", "indemnité de précarité", "prime de fin de contrat"), ("indemnité de fin de contrat",)),
    # French words the law and the fiches never write, for what the law names otherwise: alone they found nothing
    # (none is in the 12,862 texts of the CDTN corpus but the weather words, once to three times each, and
    # « sanitaires », the code's « installations sanitaires »). « cyclone » is the overseas members' « intempéries ».
    (
        ("mise au placard", "mis au placard", "placardisation", "placardisé", "placardisée", "placardisés",
         "placardisées"),
        ("harcèlement moral",),
    ),
    (("drague", "draguer", "dragué", "draguée", "dragues"), ("harcèlement sexuel",)),
    (
        ("orage", "orages", "ouragan", "ouragans", "cyclone", "cyclones", "tempête", "tempêtes", "pluie", "pluies",
         "neige", "verglas", "inondation", "inondations"),
        ("intempéries",),
    ),
    (("picoler", "picole"), ("alcool",)),
    # Drinks the law names « boissons alcoolisées » (R4228-20 lists « vin, bière, cidre et poiré »), and « boire »
    # used alone, which in French means drinking alcohol (« peut-on boire au travail ? »).
    (
        ("vin", "vins", "bière", "bières", "champagne", "apéritif", "apéritifs", "apéro", "apéros", "boire"),
        ("alcool",),
    ),
    (("remote",), ("télétravail",)),
    (("sanitaires",), ("cabinets d'aisance",)),
    # A pandemic is the law's « épidémie » (« menace d'épidémie », article L1222-11); cash its « espèces » (« liquide »
    # is, in the texts, a fluid); hitting someone its « violences »; the father's leave its « congé de paternité »
    # (« père » is in a dozen texts).
    (("pandémie", "pandémies"), ("épidémie",)),
    (("en liquide", "cash"), ("en espèces",)),
    (("père", "pères"), ("paternité",)),
    (("frapper", "frappé", "frappée", "frappe", "gifle", "gifler", "giflé", "giflée"), ("violences",)),
)

# (a member's words for a conduct at work, the notions of the law it may fall under). Insults, threats, intimidation,
# shouting and denigration are the acts that make up moral harassment when repeated and the verbal « violence au
# travail » of the employer's duty of safety; an insult is the law's « injure ». Not equivalents, so one way and
# searched below the words typed (``RELATED_WEIGHT`` in ``query.py``): a text holding the member's word ranks first,
# a text on the notion follows, where alone they found nothing (no text of the CDTN corpus says « insulte » or
# « cris ») or only the word's other senses (« menace d'épidémie »).
RELATED_NOTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("insulte", "insultes", "insulter", "insulté", "insultée", "insultés", "insultées", "insultant",
         "insultante", "insultants", "insultantes"),
        ("injure", "harcèlement moral", "violence"),
    ),
    (
        ("menace", "menaces", "menacer", "menacé", "menacée", "menacés", "menacées", "menaçant", "menaçante",
         "menaçants", "menaçantes", "intimidation", "intimidations", "intimider", "intimidé", "intimidée", "intimidés",
         "intimidées", "cri", "cris", "crier", "crié", "criée", "hurler", "hurlé", "hurlée", "hurlements"),
        ("harcèlement moral", "violence"),
    ),
    (
        ("dénigrement", "dénigrements", "dénigrer", "dénigré", "dénigrée", "dénigrés", "dénigrées"),
        ("harcèlement moral",),
    ),
)

CASE_SENSITIVE: frozenset[str] = frozenset({"AI", "EI", "CE", "CP", "AT", "MP", "RC", "IJ", "DS"})
