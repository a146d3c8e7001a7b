"""Scope: national agencies write the areas they are granted, international organisations any area."""

from __future__ import annotations

import pytest

from api.errors import Forbidden
from api.model.agency import AgencyKind, Principal, write_scope
from api.services.admin import agencies

NSO = Principal("DESTATIS", AgencyKind.NSO, frozenset({"DEU"}), False, "0123456789ab")
MINISTRY = Principal("BAMF", AgencyKind.MINISTRY, frozenset({"DEU", "AUT"}), False, "0123456789ac")
INTERNATIONAL = Principal("UNHCR", AgencyKind.INTERNATIONAL, frozenset(), False, "0123456789ad")
OPERATOR = Principal("MPR_ADMIN", AgencyKind.ADMIN, frozenset(), True, "0123456789ae")


def test_a_national_agency_writes_its_areas_only() -> None:
    assert write_scope(NSO, ["DEU"]).allowed
    assert write_scope(MINISTRY, ["AUT", "DEU"]).allowed
    refused = write_scope(NSO, ["DEU", "FRA", "ITA", "FRA"])
    assert not refused.allowed and refused.outside == ("FRA", "ITA")
    assert "DESTATIS (national statistical office) may write data only for DEU, not for FRA, ITA" in refused.reason


def test_an_international_organisation_writes_any_area() -> None:
    decision = write_scope(INTERNATIONAL, ["DEU", "FRA", "001"])
    assert decision.allowed and decision.outside == () and "as its own source" in decision.reason
    agencies.check_write(INTERNATIONAL, ["DEU", "FRA"])


def test_the_operator_administers_but_writes_no_one_elses_data() -> None:
    agencies.check_admin(OPERATOR, "withdrawing a submission")
    assert not write_scope(OPERATOR, ["DEU"]).allowed
    with pytest.raises(Forbidden, match="withdrawing a submission needs an admin token; agency DESTATIS"):
        agencies.check_admin(NSO, "withdrawing a submission")


def test_check_write_raises_403_saying_why_and_what_is_allowed() -> None:
    agencies.check_write(NSO, ["DEU"])
    with pytest.raises(Forbidden) as caught:
        agencies.check_write(NSO, ["FRA"])
    assert caught.value.status == 403
    assert "may write data only for DEU, not for FRA" in caught.value.message
    assert "ask the registry operator" in caught.value.message
