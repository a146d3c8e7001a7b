"""Instance IRIs: observation IRIs carry submission, series key and period, and read back exactly."""

from __future__ import annotations

import pytest

from api.vocab import InstanceIris


@pytest.mark.parametrize(("submission", "key", "period"), [
    ("NSO_DEU_STOCK-v2", "A.DEU.STK_IMM._T._T._T._Z", "2020"),
    ("X Y/Z", "A.CIV.FLW_NET._Z._T._Z._Z", "2015-Q1"),
    ("S-1", "M.FRA.REM_IN._Z._T._T._Z", "2020-06"),
])
def test_observation_iris_read_back(submission: str, key: str, period: str) -> None:
    iris = InstanceIris("http://registry.test/")
    iri = iris.observation(submission, key, period)
    assert iris.observation_parts(iri) == (submission, key, period)


def test_other_iris_are_not_observations() -> None:
    iris = InstanceIris("http://registry.test")
    assert iris.observation_parts(iris.dataset("D")) is None
    assert iris.observation_parts("http://elsewhere.test/id/observation/S/A.B/2020") is None
    assert iris.observation_parts("http://registry.test/id/observation/S/2020") is None
