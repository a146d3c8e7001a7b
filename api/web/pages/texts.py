"""The words of the pages in English, French and Spanish (one table; a missing entry falls back to English)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "registry": {"en": "Migration Profile Registry", "fr": "Registre des profils migratoires",
                 "es": "Registro de perfiles migratorios"},
    "home": {"en": "Home", "fr": "Accueil", "es": "Inicio"},
    "profiles": {"en": "Country profiles", "fr": "Profils de pays", "es": "Perfiles de países"},
    "compare": {"en": "Compare", "fr": "Comparer", "es": "Comparar"},
    "indicators": {"en": "Indicators", "fr": "Indicateurs", "es": "Indicadores"},
    "datasets": {"en": "Datasets", "fr": "Jeux de données", "es": "Conjuntos de datos"},
    "upload": {"en": "Upload", "fr": "Déposer", "es": "Subir"},
    "api_docs": {"en": "API documentation", "fr": "Documentation de l’API", "es": "Documentación de la API"},
    "language": {"en": "Language", "fr": "Langue", "es": "Idioma"},
    "lead": {"en": "Migration-profile indicators as linked data: {indicators} indicators, {datasets} public "
                   "datasets, {observations} public observations.",
             "fr": "Indicateurs des profils migratoires en données liées : {indicators} indicateurs, {datasets} "
                   "jeux de données publics, {observations} observations publiques.",
             "es": "Indicadores de perfiles migratorios como datos enlazados: {indicators} indicadores, "
                   "{datasets} conjuntos de datos públicos, {observations} observaciones públicas."},
    "reconciled": {"en": "The public dataflow answers {answered} of them, one value per key and period (where "
                         "datasets overlap: the national agency's, then the indicator's primary source, then the "
                         "newest release).",
                   "fr": "Le flux de données public en donne {answered}, une valeur par clé et période (quand des "
                         "jeux de données se recouvrent : celle de l'agence nationale, puis de la source principale "
                         "de l'indicateur, puis la plus récente).",
                   "es": "El flujo de datos público da {answered}, un valor por clave y período (cuando varios "
                         "conjuntos de datos coinciden: el de la agencia nacional, luego el de la fuente principal "
                         "del indicador, luego el más reciente)."},
    "search": {"en": "Find an indicator or an area", "fr": "Chercher un indicateur ou un territoire",
               "es": "Buscar un indicador o un territorio"},
    "find": {"en": "Find", "fr": "Chercher", "es": "Buscar"},
    "results": {"en": "Results", "fr": "Résultats", "es": "Resultados"},
    "value": {"en": "Value", "fr": "Valeur", "es": "Valor"},
    "unit": {"en": "Unit", "fr": "Unité", "es": "Unidad"},
    "period": {"en": "Period", "fr": "Période", "es": "Período"},
    "source": {"en": "Source", "fr": "Source", "es": "Fuente"},
    "area": {"en": "Area", "fr": "Territoire", "es": "Territorio"},
    "rank": {"en": "Rank", "fr": "Rang", "es": "Puesto"},
    "indicator": {"en": "Indicator", "fr": "Indicateur", "es": "Indicador"},
    "completeness": {"en": "Completeness", "fr": "Complétude", "es": "Completitud"},
    "freshness": {"en": "Newest figure {years} years old", "fr": "Chiffre le plus récent : {years} ans",
                  "es": "Cifra más reciente: {years} años"},
    "no_data": {"en": "No data yet for", "fr": "Pas encore de données pour", "es": "Aún sin datos para"},
    "downloads": {"en": "Downloads", "fr": "Téléchargements", "es": "Descargas"},
    "chart_spec": {"en": "Chart specification (Vega-Lite JSON)", "fr": "Spécification du graphique (Vega-Lite JSON)",
                   "es": "Especificación del gráfico (Vega-Lite JSON)"},
    "compare_link": {"en": "compare countries", "fr": "comparer les pays", "es": "comparar países"},
    "areas": {"en": "Areas (codes, comma-separated)", "fr": "Territoires (codes séparés par des virgules)",
              "es": "Territorios (códigos separados por comas)"},
    "region": {"en": "or a region or grouping", "fr": "ou une région ou un groupe", "es": "o una región o un grupo"},
    "none": {"en": "(none)", "fr": "(aucun)", "es": "(ninguno)"},
    "latest": {"en": "latest", "fr": "dernière", "es": "última"},
    "show": {"en": "Show", "fr": "Afficher", "es": "Mostrar"},
    "flags": {"en": "Comparability", "fr": "Comparabilité", "es": "Comparabilidad"},
    "missing": {"en": "Without a figure", "fr": "Sans chiffre", "es": "Sin cifra"},
    "queries": {"en": "The queries behind this view", "fr": "Les requêtes derrière cette vue",
                "es": "Las consultas detrás de esta vista"},
    "definition": {"en": "Definition", "fr": "Définition", "es": "Definición"},
    "section": {"en": "Section", "fr": "Section", "es": "Sección"},
    "sdg": {"en": "SDG targets", "fr": "Cibles ODD", "es": "Metas ODS"},
    "source_series": {"en": "Source series", "fr": "Séries sources", "es": "Series fuente"},
    "where_data": {"en": "Where it has data", "fr": "Où il y a des données", "es": "Dónde hay datos"},
    "other_areas": {"en": "Other areas and groupings", "fr": "Autres territoires et groupes",
                    "es": "Otros territorios y agrupaciones"},
    "linked_data": {"en": "Linked data", "fr": "Données liées", "es": "Datos enlazados"},
    "versions": {"en": "Versions", "fr": "Versions", "es": "Versiones"},
    "licence": {"en": "Licence", "fr": "Licence", "es": "Licencia"},
    "agency": {"en": "Agency", "fr": "Agence", "es": "Agencia"},
    "observations": {"en": "Observations", "fr": "Observations", "es": "Observaciones"},
    "coverage": {"en": "Coverage", "fr": "Couverture", "es": "Cobertura"},
    "view_chart": {"en": "Chart", "fr": "Graphique", "es": "Gráfico"},
    "table": {"en": "Table", "fr": "Tableau", "es": "Tabla"},
    "sign_in": {"en": "Sign in", "fr": "Se connecter", "es": "Iniciar sesión"},
    "sign_out": {"en": "Sign out", "fr": "Se déconnecter", "es": "Cerrar sesión"},
    "crisis_title": {"en": "{area} in a crisis: who is there, and who depends on them",
                     "fr": "{area} en crise : qui s'y trouve, et qui en dépend",
                     "es": "{area} en crisis: quién está allí y quién depende de ellos"},
    "crisis_lead": {"en": "Migrants present by origin, refugees and asylum-seekers, internal displacement, "
                          "remittances sent to each origin and dead and missing migrants. Figures go stale "
                          "quickly in a crisis: each section gives its year.",
                    "fr": "Migrants présents par origine, réfugiés et demandeurs d'asile, déplacements internes, "
                          "envois de fonds vers chaque origine, migrants morts et disparus. Les chiffres vieillissent "
                          "vite en temps de crise : chaque section donne son année.",
                    "es": "Migrantes presentes por origen, refugiados y solicitantes de asilo, desplazamiento "
                          "interno, remesas enviadas a cada origen y migrantes muertos y desaparecidos. Las cifras "
                          "envejecen rápido en una crisis: cada sección da su año."},
    "crisis_link": {"en": "Crisis view", "fr": "Vue de crise", "es": "Vista de crisis"},
    "origins_link": {"en": "Migrants by origin", "fr": "Migrants par origine", "es": "Migrantes por origen"},
    "abroad_link": {"en": "Nationals abroad", "fr": "Ressortissants à l'étranger", "es": "Nacionales en el extranjero"},
    "counterpart": {"en": "Country", "fr": "Pays", "es": "País"},
    "female": {"en": "Women", "fr": "Femmes", "es": "Mujeres"},
    "male": {"en": "Men", "fr": "Hommes", "es": "Hombres"},
    "share": {"en": "Share of the total", "fr": "Part du total", "es": "Parte del total"},
    "total": {"en": "Total", "fr": "Total", "es": "Total"},
    "sent": {"en": "Sent (US$)", "fr": "Envoyés (US$)", "es": "Enviadas (US$)"},
    "share_inflows": {"en": "Share of the origin's inflows", "fr": "Part des envois reçus par l'origine",
                      "es": "Parte de las remesas recibidas por el origen"},
    "gaps": {"en": "Gaps", "fr": "Lacunes", "es": "Vacíos"},
    "sources": {"en": "Sources", "fr": "Sources", "es": "Fuentes"},
    "notes": {"en": "Notes", "fr": "Notes", "es": "Notas"},
    # The upload pages and the validation report.
    "signin_lead": {"en": "Sign in once with the token your registry operator gave your agency "
                          "(made with the command below). The page keeps a session cookie for eight hours; the "
                          "token is not kept in the browser.",
                    "fr": "Connectez-vous une fois avec le jeton que l'opérateur du registre a remis à votre agence "
                          "(créé avec la commande ci-dessous). La page garde un cookie de session huit heures ; "
                          "le jeton n'est pas gardé dans le navigateur.",
                    "es": "Inicie sesión una vez con el token que el operador del registro dio a su agencia "
                          "(creado con la orden de abajo). La página guarda una cookie de sesión durante ocho "
                          "horas; el token no se guarda en el navegador."},
    "token": {"en": "Token", "fr": "Jeton", "es": "Token"},
    "step_template": {"en": "1. Download a template", "fr": "1. Télécharger un modèle",
                      "es": "1. Descargar una plantilla"},
    "years": {"en": "Years", "fr": "Années", "es": "Años"},
    "download_template": {"en": "Download CSV template", "fr": "Télécharger le modèle CSV",
                          "es": "Descargar la plantilla CSV"},
    "step_upload": {"en": "2. Upload the filled file", "fr": "2. Déposer le fichier rempli",
                    "es": "2. Subir el archivo completado"},
    "dataset_id": {"en": "Dataset id", "fr": "Identifiant du jeu de données", "es": "Identificador del conjunto"},
    "title": {"en": "Title", "fr": "Titre", "es": "Título"},
    "file_formats": {"en": "File (CSV template, SDMX-CSV, SDMX-ML, Turtle, JSON-LD)",
                     "fr": "Fichier (modèle CSV, SDMX-CSV, SDMX-ML, Turtle, JSON-LD)",
                     "es": "Archivo (plantilla CSV, SDMX-CSV, SDMX-ML, Turtle, JSON-LD)"},
    "check_only": {"en": "Check only (dry run)", "fr": "Vérifier seulement (essai)",
                   "es": "Solo verificar (prueba)"},
    "check_publish": {"en": "Check and publish", "fr": "Vérifier et publier", "es": "Verificar y publicar"},
    "step_mine": {"en": "3. Your submissions", "fr": "3. Vos dépôts", "es": "3. Sus envíos"},
    "submission": {"en": "Submission", "fr": "Dépôt", "es": "Envío"},
    "status": {"en": "Status", "fr": "Statut", "es": "Estado"},
    "stored": {"en": "Stored", "fr": "Enregistré", "es": "Guardado"},
    "until": {"en": "until", "fr": "jusqu'au", "es": "hasta el"},
    "version": {"en": "version", "fr": "version", "es": "versión"},
    "status_published": {"en": "published", "fr": "publié", "es": "publicado"},
    "status_embargoed": {"en": "embargoed", "fr": "sous embargo", "es": "embargado"},
    "status_superseded": {"en": "superseded", "fr": "remplacé", "es": "sustituido"},
    "status_withdrawn": {"en": "withdrawn", "fr": "retiré", "es": "retirado"},
    "report_title": {"en": "Validation report: {file}", "fr": "Rapport de validation : {file}",
                     "es": "Informe de validación: {file}"},
    "report_valid": {"en": "Valid: the file conforms ({observations} observations, {warnings} warning(s)).",
                     "fr": "Valide : le fichier est conforme ({observations} observations, {warnings} "
                           "avertissement(s)).",
                     "es": "Válido: el archivo es conforme ({observations} observaciones, {warnings} "
                           "advertencia(s))."},
    "report_invalid": {"en": "Not valid: {violations} violation(s) block publication; nothing was stored. Fix them "
                             "and upload again.",
                       "fr": "Non valide : {violations} violation(s) empêchent la publication ; rien n'a été "
                             "enregistré. Corrigez-les et déposez à nouveau.",
                       "es": "No válido: {violations} infracción(es) impiden la publicación; no se guardó nada. "
                             "Corríjalas y vuelva a subir el archivo."},
    "findings_by_rule": {"en": "Findings by rule", "fr": "Constats par règle", "es": "Hallazgos por regla"},
    "rule": {"en": "Rule", "fr": "Règle", "es": "Regla"},
    "severity": {"en": "Severity", "fr": "Gravité", "es": "Gravedad"},
    "findings": {"en": "Findings", "fr": "Constats", "es": "Hallazgos"},
    "finding": {"en": "Finding", "fr": "Constat", "es": "Hallazgo"},
    "how_to_fix": {"en": "How to fix:", "fr": "Comment corriger :", "es": "Cómo corregir:"},
    "row": {"en": "Row", "fr": "Ligne", "es": "Fila"},
    "column": {"en": "Column", "fr": "Colonne", "es": "Columna"},
    "show_more": {"en": "Show {n} more", "fr": "Afficher {n} de plus", "es": "Mostrar {n} más"},
    "failing_rows": {"en": "The failing rows of the file (the bad cell marked)",
                     "fr": "Les lignes en défaut du fichier (la cellule fautive marquée)",
                     "es": "Las filas con errores del archivo (la celda errónea marcada)"},
    "failing_rows_of": {"en": "Failing rows of {rule}", "fr": "Lignes en défaut de {rule}",
                        "es": "Filas con errores de {rule}"},
    "bad_cell": {"en": "the bad cell", "fr": "la cellule fautive", "es": "la celda errónea"},
    "Violation": {"en": "Violation", "fr": "Violation", "es": "Infracción"},
    "Warning": {"en": "Warning", "fr": "Avertissement", "es": "Advertencia"},
    "Info": {"en": "Info", "fr": "Information", "es": "Información"},
    "pending_kept": {"en": "The checked file is kept here for {minutes} minutes (until you publish it or sign out): "
                           "publish it without sending it again.",
                     "fr": "Le fichier vérifié est gardé ici {minutes} minutes (jusqu'à sa publication ou votre "
                           "déconnexion) : publiez-le sans l'envoyer à nouveau.",
                     "es": "El archivo verificado se guarda aquí {minutes} minutos (hasta que lo publique o cierre "
                           "la sesión): publíquelo sin enviarlo de nuevo."},
    "error_title": {"en": "This request could not be answered", "fr": "Cette demande n'a pas pu aboutir",
                    "es": "Esta solicitud no pudo atenderse"},
    "error_code": {"en": "Error code", "fr": "Code d'erreur", "es": "Código de error"},
    "publish_checked": {"en": "Publish this file", "fr": "Publier ce fichier", "es": "Publicar este archivo"},
}


def text(key: str, lang: str) -> str:
    """The words for ``key`` in ``lang`` (English when not translated; the key itself when it has no entry)."""
    entry = TEXTS.get(key) or {"en": key}
    return entry.get(lang) or entry["en"]
