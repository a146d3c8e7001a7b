"""SPARQL CSV and TSV results open in spreadsheets: a value a spreadsheet would run as a formula (=, +, -, @, tab,
carriage return, not a number) gets the apostrophe that the /api CSV gives it; numbers and the JSON results
keep their values."""

from __future__ import annotations

import csv
import io

import httpx

from api.formats.tabular.csv_writer import safe_cell
from tests.sparql.conftest import SparqlServer

QUERY = r"""SELECT ?text ?number ?tagged ?typed WHERE {
  VALUES (?text ?number ?tagged) {
    ("=HYPERLINK(\"http://attacker.example/\",\"click\")" "-12.5" "@SUM(A1)"@en)
    ("+1+cmd|' /C calc'!A0" "-3" "\tx"@fr)
    ("-x" "+7" "\r=1+1"@es)
    ("plain" "1e5" "text"@en)
  }
  BIND(-5 AS ?typed)
}"""
RISKY = {"=HYPERLINK(\"http://attacker.example/\",\"click\")", "@SUM(A1)", "+1+cmd|' /C calc'!A0", "\tx", "-x",
         "\r=1+1"}


def test_csv_cells_are_defused_like_the_api_csv(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": QUERY}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert header == ["text", "number", "tagged", "typed"]
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) and cell not in ("-12.5", "-3", "+7", "-5")
                   for cell in cells)
    assert rows[0] == ["'=HYPERLINK(\"http://attacker.example/\",\"click\")", "-12.5", "'@SUM(A1)", "-5"]
    assert rows[1] == ["'+1+cmd|' /C calc'!A0", "-3", "'\tx", "-5"]
    assert rows[2] == ["'-x", "+7", "'\r=1+1", "-5"]
    assert rows[3] == ["plain", "1e5", "text", "-5"]
    assert all(safe_cell(cell) == cell for cell in cells)  # the same rule as the /api CSV writer


def test_tsv_literals_are_defused_inside_their_quotes(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": QUERY},
                         headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    lines = response.text.split("\n")
    assert lines[0] == "?text\t?number\t?tagged\t?typed"
    first = lines[1].split("\t")
    assert first[0] == '"\'=HYPERLINK(\\"http://attacker.example/\\",\\"click\\")"'
    assert first[1:] == ['"-12.5"', '"\'@SUM(A1)"@en', '"-5"^^<http://www.w3.org/2001/XMLSchema#integer>']
    assert lines[2].split("\t")[:3] == ['"\'+1+cmd|\' /C calc\'!A0"', '"-3"', '"\'\\tx"@fr']
    assert lines[3].split("\t")[:3] == ['"\'-x"', '"+7"', '"\'\\r=1+1"@es']


def test_json_results_keep_the_values(sparql_server: SparqlServer) -> None:
    response = httpx.get(sparql_server.endpoint, params={"query": QUERY})
    values = {b[v]["value"] for b in response.json()["results"]["bindings"] for v in ("text", "tagged")}
    assert values >= RISKY
