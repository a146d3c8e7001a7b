"""Examples shown at /docs for every read-API route (OpenAPI 3.1 ``example``), shaped like real answers."""

from __future__ import annotations

from typing import Any

ERROR = {"error": {"status": 400, "code": "bad_request",
                   "message": "indicator=STK_XYZ: no such indicator; /api/indicators lists the ids.", "details": {}}}
PROVENANCE = {"dataset": "UNDESA_IMS_2024", "dataset_title": "International Migrant Stock 2024",
              "agency": "UNDESA", "submission": "UNDESA_IMS_2024-v1", "version": 1,
              "submitted": "2026-11-20T10:00:00+00:00", "sources": ["UN DESA, International Migrant Stock 2024"],
              "primary_source": "https://www.un.org/development/desa/pd/content/international-migrant-stock",
              "licence": "https://creativecommons.org/licenses/by/3.0/igo/", "definition_basis": "foreign-born"}
INDICATOR = {"id": "STK_IMM", "label": "International migrant stock",
             "definition": "People living in the area who were born in another country; ...", "unit": "PS",
             "section": "STK", "sdg_targets": [], "breakdowns": ["AGE", "COUNTERPART_AREA", "SEX"],
             "is_count": True, "min_value": 0.0, "max_value": None,
             "source_series": [{"organisation": "UNDESA", "code": "IMS.T1", "match": "exact"}],
             "comparability": {"en": "Countries count either the foreign-born or foreign citizens; ..."},
             "iri": "https://w3id.org/migration-profile/indicator/STK_IMM",
             "labels": {"en": "International migrant stock", "fr": "Stock de migrants internationaux"},
             "areas_with_data": ["DEU", "FRA"], "first_period": "1990", "last_period": "2024", "observations": 42}
INDICATORS = [{k: v for k, v in INDICATOR.items()
               if k not in ("areas_with_data", "first_period", "last_period", "observations")}]
AREA = {"code": "DEU", "name": "Germany", "kind": "country", "iso3166_alpha2": "DE", "iso3166_alpha3": "DEU",
        "m49": "276", "parent": "155", "regions": ["155", "150", "001"], "groupings": [],
        "names": {"en": "Germany", "es": "Alemania", "fr": "Allemagne"},
        "iri": "https://w3id.org/migration-profile/code/area/DEU"}
AREAS = [AREA]
OBSERVATION = {"indicator": "STK_IMM", "indicator_label": "International migrant stock", "area": "DEU",
               "area_label": "Germany", "period": "2020", "value": 15762457.0, "unit": "PS", "unit_multiplier": 0,
               "status": "A", "freq": "A", "counterpart_area": "_T", "sex": "_T", "age": "_T",
               "migration_status": "_Z", "decimals": 0, "comment": None, "source_detail": None,
               "iri": "https://registry.example.org/id/observation/UNDESA_IMS_2024-v1/A.DEU.STK_IMM._T._T._T._Z/2020",
               "provenance": PROVENANCE}
OBSERVATIONS = {"total": 1, "page": 1, "per_page": 100, "pages": 1, "observations": [OBSERVATION]}
OBSERVATIONS_CSV = ("indicator,indicator_label,area,area_label,period,value,unit,...\r\n"
                    "STK_IMM,International migrant stock,DEU,Germany,2020,15762457,PS,...\r\n")
DATASETS = [{"id": "UNDESA_IMS_2024", "title": "International Migrant Stock 2024", "agency": "UNDESA", "version": 1,
             "submitted": "2026-11-20T10:00:00+00:00", "licence": PROVENANCE["licence"],
             "sources": PROVENANCE["sources"], "primary_source": PROVENANCE["primary_source"],
             "definition_basis": "foreign-born", "observations": 35000, "indicators": ["STK_IMM"],
             "areas": ["AFG", "ALB"], "first_period": "1990", "last_period": "2024",
             "iri": "https://registry.example.org/id/dataset/UNDESA_IMS_2024",
             "submission_iri": "https://registry.example.org/id/submission/UNDESA_IMS_2024-v1",
             "distributions": [{"title": "Observations as CSV", "media_type": "text/csv",
                                "access_url": "/api/observations?dataset=UNDESA_IMS_2024&format=csv"}]}]
VERSIONS = [{"version": 1, "submission": "UNDESA_IMS_2024-v1",
             "submission_iri": "https://registry.example.org/id/submission/UNDESA_IMS_2024-v1",
             "generated": "2025-01-15T09:00:00+00:00", "valid_from": "2025-01-15T09:00:00+00:00",
             "valid_to": "2026-11-20T10:00:00+00:00", "observations": 34800, "current": False},
            {"version": 2, "submission": "UNDESA_IMS_2024-v2",
             "submission_iri": "https://registry.example.org/id/submission/UNDESA_IMS_2024-v2",
             "generated": "2026-11-20T10:00:00+00:00", "valid_from": "2026-11-20T10:00:00+00:00",
             "valid_to": None, "observations": 35000, "current": True}]
POINT = {"period": "2020", "value": 15762457.0, "status": "A"}
PROFILE = {"area": AREA, "completeness": 0.41, "sections": [{
    "id": "STK", "label": "Migrant stocks", "completeness": 0.5, "freshness_years": 5.9,
    "indicators": [{"id": "STK_IMM", "label": "International migrant stock", "unit": "PS", "unit_multiplier": 0,
                    "latest": POINT, "series": [POINT], "series_key": "A.DEU.STK_IMM._T._T._T._Z",
                    "provenance": PROVENANCE}],
    "gaps": [{"id": "STK_EMI", "label": "Emigrant stock"}]}]}
COMPARISON = {"indicator": "STK_IMM", "indicator_label": "International migrant stock", "period": "latest",
              "unit_multiplier": 0, "rows": [
                  {"rank": 1, "area": "DEU", "area_label": "Germany", "period": "2020", "value": 15762457.0,
                   "reported_value": 15762457.0, "reported_unit_multiplier": 0, "unit": "PS", "status": "A",
                   "flags": ["definition"], "provenance": PROVENANCE}],
              "missing": ["LIE"], "flags": [{"code": "definition", "areas": ["DEU"], "message":
                                             "the figures follow different definitions (foreign citizens: FRA; "
                                             "foreign-born: DEU)."}]}
COVERAGE = {"sections": {"STK": "Migrant stocks"}, "indicators_per_section": {"STK": 6}, "areas": [
    {"area": "DEU", "area_label": "Germany", "kind": "country", "completeness": 0.41,
     "sections": {"STK": {"completeness": 0.5, "freshness_years": 5.9, "indicators_with_data": 3}}}]}


def response(example: Any, *, token: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` with the success example and the error shape every 4xx shares; ``token``: the route
    reads an optional agency token, so a token that is not valid is a 401."""
    error = {"description": "The one error shape: status, code, message, details.",
             "content": {"application/json": {"example": ERROR}}}
    found: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {"example": example}}},
                                              400: error, 404: error, 406: error}
    if token:
        found[401] = {**error, "description": "A token was sent and is not valid (anonymous requests need none)."}
    return found
