"""The IOM Missing Migrants importer: incidents aggregated before anything is stored (do no harm)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.errors import InputFileError
from api.importers.base import ImportContext, ImportResult
from api.importers.incident_country import NAMED_OTHER, IncidentCountries
from api.importers.iom_missing import IomMissingImporter
from api.model.catalogue import Catalogue

CSV = "MissingMigrants-Global-2019-09-04T11-59-55.csv"
HTML_XLS = "MissingMigrants-Global-2019-09-04T10-23-48.xls"


def _path(sources_dir: Path, name: str = CSV) -> Path:
    return sources_dir / "iom-missing-migrants" / name


def _incidents(sources_dir: Path) -> list[dict[str, str]]:
    with _path(sources_dir).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _n(text: str) -> int:
    return int(text.replace(",", "")) if text.strip() else 0


@pytest.fixture(scope="module")
def context(area_index: Any, catalogue: Catalogue) -> ImportContext:
    return ImportContext(areas=area_index, catalogue=catalogue)


@pytest.fixture(scope="module")
def mmp(sources_dir: Path, context: ImportContext) -> ImportResult:
    return IomMissingImporter().read(_path(sources_dir), context)


def _values(result: ImportResult) -> dict[tuple[str, str, str, str], str]:
    return {(r.cells["INDICATOR"], r.cells["REF_AREA"], r.cells["SEX"], r.cells["TIME_PERIOD"]): r.cells["OBS_VALUE"]
            for r in result.parsed.records}


@pytest.mark.parametrize(("grouping", "area"), [("Northern Africa", "015"), ("Central America", "013"),
                                                 ("Northern America", "021"), ("South Asia", "034")])
def test_sums_by_sub_region_and_year_equal_the_incidents(mmp: ImportResult, sources_dir: Path,
                                                         grouping: str, area: str) -> None:
    got = _values(mmp)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in _incidents(sources_dir):
        if row["UNSD Geographical Grouping"] in (grouping, "Southern Asia" if area == "034" else grouping):
            s = sums[row["Reported Year"]]
            s[0] += _n(row["Total Dead and Missing"])
            s[1] += _n(row["Minimum Estimated Number of Missing"])
            s[2] += _n(row["Number of Females"])
            s[3] += _n(row["Number of Males"])
    assert sums
    for year, (total, missing, females, males) in sums.items():
        assert got[("IRR_DEAD", area, "_T", year)] == str(total)
        assert got[("IRR_MISS", area, "_T", year)] == str(missing)
        if females or males:
            assert got[("IRR_DEAD", area, "F", year)] == str(females)
            assert got[("IRR_DEAD", area, "M", year)] == str(males)
            assert got[("IRR_DEAD", area, "_U", year)] == str(total - females - males)


def test_the_world_counts_every_incident(mmp: ImportResult, sources_dir: Path) -> None:
    incidents = _incidents(sources_dir)
    got = _values(mmp)
    for year in {r["Reported Year"] for r in incidents}:
        total = sum(_n(r["Total Dead and Missing"]) for r in incidents if r["Reported Year"] == year)
        assert got[("IRR_DEAD", "001", "_T", year)] == str(total)
    assert any("1108 incidents without a UN geographical grouping" in n for n in mmp.notes)
    assert len(mmp.parsed.records) < len(incidents) / 4  # sums by sub-region, country and year
    assert all(r.row is None for r in mmp.parsed.records)


def test_the_html_table_named_xls_gives_the_same_aggregates(mmp: ImportResult, sources_dir: Path,
                                                             context: ImportContext) -> None:
    html = IomMissingImporter().read(_path(sources_dir, HTML_XLS), context)
    assert _values(html) == _values(mmp)


def test_renamed_columns_of_another_edition(tmp_path: Path, sources_dir: Path, context: ImportContext,
                                            mmp: ImportResult) -> None:
    text = _path(sources_dir).read_bytes().decode("utf-8")
    header, rest = text.split("\r\n", 1)
    renamed = (header.replace('"Number Dead"', '"Number of Dead"').replace('"Reported Year"', '"Incident year"')
               .replace('"Total Dead and Missing"', '"Total Number of Dead and Missing"'))
    path = tmp_path / "MissingMigrants-Global-2021-03-27T18-04-20.csv"
    path.write_bytes((renamed + "\r\n" + rest).encode("utf-8"))
    result = IomMissingImporter().read(path, context)
    assert _values(result) == _values(mmp)
    assert result.metadata.dataset_id == "IOM_MMP_20210327"


def test_a_file_without_the_columns_is_refused(sources_dir: Path, context: ImportContext) -> None:
    wdi = sources_dir / "worldbank-wdi" / "API_SM.POP.NETM_DS2_en_csv_v2_3401672.csv"
    with pytest.raises(InputFileError) as err:
        IomMissingImporter().read(wdi, context)
    assert "the header lacks" in err.value.message and "Total Dead and Missing" in err.value.message


def test_no_incident_name_place_or_coordinate_reaches_the_store(tmp_path: Path, sources_dir: Path) -> None:
    incidents = _incidents(sources_dir)[:400]  # a small store: the newest incidents
    path = tmp_path / CSV
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(incidents[0]), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(incidents)
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_BASE_IRI": "http://registry.test"}
    loaded = CliRunner().invoke(app, ["import", "iom-missing", str(path)], env=env)
    assert loaded.exit_code == 0, loaded.output
    exported = CliRunner().invoke(app, ["export", "--format", "nq"], env=env)
    assert exported.exit_code == 0
    store_text = exported.stdout
    assert "IRR_DEAD" in store_text
    private = set()
    for row in incidents:
        private.update(v for k, v in row.items() if k in (
            "Location Description", "Information Source", "URL", "Cause of Death") and len(v) > 12)
        latitude, _, longitude = row["Location Coordinates"].partition(",")
        private.update(v.strip() for v in (latitude, longitude) if v.strip())
        private.add(row["Reported Date"])
    leaked = [v for v in private if v in store_text]
    assert leaked == []
    csv_export = CliRunner().invoke(app, ["export", "--format", "csv"], env=env)
    observations = list(csv.DictReader(io.StringIO(csv_export.stdout)))
    assert 0 < len(observations) < len(incidents)
    web_ids = {row["Web ID"] for row in incidents}
    assert not any(o.get("OBS_VALUE") in web_ids and len(o["OBS_VALUE"]) == 5 for o in observations)


def _on(row: dict[str, str], country: str) -> bool:
    return row["Location Description"].strip().endswith(f", {country}")


def test_incidents_in_germany_count_for_germany_and_a_border_incident_for_no_country(
        mmp: ImportResult, sources_dir: Path) -> None:
    """The incidents whose location text ends with 'Germany' make Germany's figures; the one 'at the
    Austrian-German border' (towns of both countries within 25 km) counts for neither country."""
    incidents = _incidents(sources_dir)
    german = [r for r in incidents if _on(r, "Germany")]
    assert len(german) == 2
    got = _values(mmp)
    by_year: dict[str, int] = defaultdict(int)
    for row in german:
        by_year[row["Reported Year"]] += _n(row["Total Dead and Missing"])
    assert {k[3]: int(v) for k, v in got.items() if k[:3] == ("IRR_DEAD", "DEU", "_T")} == by_year
    [border] = [r for r in incidents if "Austrian-German border" in r["Location Description"]]
    year = border["Reported Year"]
    assert ("IRR_DEAD", "DEU", "_T", year) not in got
    austria = sum(_n(r["Total Dead and Missing"]) for r in incidents
                  if _on(r, "Austria") and r["Reported Year"] == year)
    assert int(got.get(("IRR_DEAD", "AUT", "_T", year), "0")) <= austria
    assert any("placed in a country of incident (25 km rule)" in n for n in mmp.notes)


def test_incidents_at_sea_have_no_country(mmp: ImportResult, sources_dir: Path) -> None:
    """Libya's figures never exceed the Northern African incidents on land (not in IOM's Mediterranean region,
    not drownings); a country's figures never exceed its sub-region's."""
    incidents = _incidents(sources_dir)
    got = _values(mmp)
    libya = {k[3]: int(v) for k, v in got.items() if k[:3] == ("IRR_DEAD", "LBY", "_T")}
    assert libya and sum(libya.values()) > 100
    for year, value in libya.items():
        on_land = sum(_n(r["Total Dead and Missing"]) for r in incidents if r["Reported Year"] == year
                      and r["UNSD Geographical Grouping"] == "Northern Africa"
                      and r["Region of Incident"] != "Mediterranean" and "drown" not in r["Cause of Death"].lower())
        assert value <= on_land <= int(got[("IRR_DEAD", "015", "_T", year)])
    for (indicator, area, sex, year), value in got.items():
        if indicator == "IRR_DEAD" and sex == "_T" and area in ("MEX", "USA", "LBY", "SDN", "DEU"):
            region = {"MEX": "013", "USA": "021", "LBY": "015", "SDN": "015", "DEU": "155"}[area]
            assert int(value) <= int(got[("IRR_DEAD", region, "_T", year)])


def test_the_location_text_can_refuse_the_nearest_country(sources_dir: Path, context: ImportContext) -> None:
    """Picked from the file: 'Garowe, Somalia' has coordinates in Sudan (refused: the text names Somalia); a
    place in New Mexico, USA is in the United States (New Mexico is not Mexico)."""
    countries = IncidentCountries(context.areas)
    incidents = _incidents(sources_dir)
    [garowe] = [r for r in incidents if r["Location Description"].strip() == "Garowe, Somalia"]
    args = [garowe[c] for c in ("Location Coordinates", "Location Description", "Cause of Death",
                                "Region of Incident")]
    assert countries.country(*args, "014") is None and countries.not_placed == {NAMED_OTHER: 1}
    new_mexico = [r for r in incidents if "New Mexico, USA" in r["Location Description"]
                  and "drown" not in r["Cause of Death"].lower()]
    placed = [countries.country(r["Location Coordinates"], r["Location Description"], r["Cause of Death"],
                                r["Region of Incident"], "021") for r in new_mexico]
    assert "USA" in placed and "MEX" not in placed


def test_a_withheld_total_takes_its_companions_with_it(sources_dir: Path, area_index: Any,
                                                       catalogue: Catalogue) -> None:
    """Germany's 2 dead of 2017 are below the disclosure threshold: no zero 'missing' or sex split tells
    that they exist (a sub-region's split is dropped where one part would be withheld)."""
    context = ImportContext(areas=area_index, catalogue=catalogue, disclosure_threshold=5)
    got = _values(IomMissingImporter().read(_path(sources_dir), context))
    assert got[("IRR_DEAD", "DEU", "_T", "2017")] == "2"
    assert [k for k in got if k[1] == "DEU"] == [("IRR_DEAD", "DEU", "_T", "2017")]
    for (indicator, area, sex, year), value in got.items():
        if indicator == "IRR_DEAD" and sex != "_T":
            assert not 0 < int(value) < 5, (area, sex, year)
        if 0 < int(got[("IRR_DEAD", area, "_T", year)]) < 5:
            assert (indicator, sex) == ("IRR_DEAD", "_T"), (area, year)
