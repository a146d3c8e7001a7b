"""The parsers' bounds (InputLimits): depth, value length and item count are refused with a sentence naming the
line where the file says it, before the document reaches a parser that could crash or exhaust the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from api import vocab
from api.errors import InputFileError
from api.formats.input_limits import scan_json
from api.formats.rdf.reader import read_rdf_bytes
from api.formats.sdmx.ml_input import read_sdmx_ml_bytes
from api.formats.tabular.template import read_csv_bytes
from api.model.submission import InputLimits, row_number
from api.validation.checks import _row
from api.validation.validator import observations_of_graph
from tests.conftest import REPO, sources_dir
from tests.services.samples import HEADER, stock_row

DEEP = 10_000
P = "http://example.org/p"


def deep_json_ld(levels: int = DEEP) -> bytes:
    """About 100 KB of JSON-LD nested ``levels`` deep: the document that overflowed the JSON-LD parser's stack."""
    return (f'{{"{P}": ' * levels + '"x"' + "}" * levels).encode()


def test_deep_json_ld_is_refused_before_the_parser_sees_it() -> None:
    with pytest.raises(InputFileError, match=r"nested more than 64 levels deep") as refused:
        read_rdf_bytes(deep_json_ld(), "deep.jsonld", RdfFormat.JSON_LD)
    assert refused.value.message.startswith("deep.jsonld: line 1: ") and "MPR_UPLOAD_MAX_DEPTH" in refused.value.message
    deep_arrays = ("[" * DEEP + "]" * DEEP).encode()
    with pytest.raises(InputFileError, match="nested more than 64"):
        read_rdf_bytes(deep_arrays, "deep.jsonld", RdfFormat.JSON_LD)


def test_json_depth_strings_and_values_are_counted_as_json_reads_them() -> None:
    limits = InputLimits(max_depth=3, max_literal_bytes=10, max_items=8)
    scan_json(b'{"a": {"b": ["[[[[", "\\"{{{{"]}}', "ok.json", limits)  # brackets in strings are text
    with pytest.raises(InputFileError, match="nested more than 3 levels"):
        scan_json(b'{"a":\n {"b": [[1]]}}', "d.json", limits)
    with pytest.raises(InputFileError, match=r"line 2: a JSON string of 11 bytes is longer than the limit of 10"):
        scan_json(b'{"a":\n "01234567890"}', "s.json", limits)
    with pytest.raises(InputFileError, match="more than 8 JSON values"):
        scan_json(b"[1, 2, 3, 4, 5, 6, 7, 8]", "n.json", limits)
    scan_json(b'["ab\\', "u.json", limits)  # a short unclosed string is left to the parser's syntax error
    with pytest.raises(InputFileError, match="JSON string of"):  # an unclosed string runs to the end of the file
        scan_json(b'["unterminated and long', "u.json", limits)


def test_invalid_json_ld_is_refused_with_its_line() -> None:
    with pytest.raises(InputFileError, match=r"line 2, column \d+: not valid JSON"):
        read_rdf_bytes(b'{"@id": "http://example.org/s",\n "p": }', "bad.jsonld", RdfFormat.JSON_LD)


def test_a_turtle_literal_above_the_limit_is_a_sentence_not_a_memory_error() -> None:
    huge = b'<http://example.org/s> <http://example.org/p> "' + b"x" * (20 * 1024 * 1024) + b'" .\n'
    with pytest.raises(InputFileError, match=r"longer than 16 MiB.*MPR_UPLOAD_MAX_LITERAL_BYTES"):
        read_rdf_bytes(huge, "huge.ttl", RdfFormat.TURTLE)
    long = b'<http://example.org/s> <http://example.org/p> "' + b"x" * 70_000 + b'" .\n'
    with pytest.raises(InputFileError, match=r"70,000 bytes is longer than the limit of 65,536"):
        read_rdf_bytes(long, "long.nt", RdfFormat.N_TRIPLES)
    long_iri = b"<http://example.org/" + b"s" * 70_000 + b'> <http://example.org/p> "x" .\n'
    with pytest.raises(InputFileError, match="literal or IRI"):
        read_rdf_bytes(long_iri, "long.ttl", RdfFormat.TURTLE)


def test_triples_are_counted() -> None:
    lines = b"".join(b'<http://example.org/s%d> <http://example.org/p> "x" .\n' % i for i in range(11))
    assert read_rdf_bytes(lines, "ten.nt", RdfFormat.N_TRIPLES, InputLimits(max_items=11)).problems == ()
    with pytest.raises(InputFileError, match="more than 10 triples"):
        read_rdf_bytes(lines, "ten.nt", RdfFormat.N_TRIPLES, InputLimits(max_items=10))


def test_deep_turtle_nesting_parses_without_recursion() -> None:
    """pyoxigraph's Turtle parser keeps its own stack: 10,000 nested blank nodes are only many triples."""
    document = f"<http://example.org/s> <{P}> " + f"[ <{P}> " * DEEP + '"x"' + " ]" * DEEP + " ."
    parsed = read_rdf_bytes(document.encode(), "deep.ttl", RdfFormat.TURTLE)
    assert parsed.records == []


def _generic(inner: str) -> bytes:
    return ('<mes:GenericData xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">'
            f"{inner}</mes:GenericData>").encode()


def test_xml_depth_elements_and_values_are_bounded() -> None:
    with pytest.raises(InputFileError, match=r"line 1: XML elements are nested more than 64 levels deep"):
        read_sdmx_ml_bytes(_generic("<a>" * 100 + "</a>" * 100), "deep.xml")
    with pytest.raises(InputFileError, match="more than 50 XML elements"):
        read_sdmx_ml_bytes(_generic("<a/>" * 60), "many.xml", InputLimits(max_items=50))
    with pytest.raises(InputFileError, match="an attribute value of 70,000 bytes"):
        read_sdmx_ml_bytes(_generic(f'<a v="{"x" * 70_000}"/>'), "attr.xml")
    with pytest.raises(InputFileError, match="line 2: a text of 70,000 bytes"):
        read_sdmx_ml_bytes(_generic(f"\n<a>{'x' * 70_000}</a>"), "text.xml")
    with pytest.raises(InputFileError, match="a text of 70,000 bytes"):  # mixed content: the text after <b/>
        read_sdmx_ml_bytes(_generic(f"<a><b/>{'x' * 70_000}</a>"), "tail.xml")


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_an_unclosed_quote_in_a_csv_is_a_violation_naming_its_line() -> None:
    """The quote opened on line 3 used to swallow line 4 into COMMENT, and the file conformed with a row lost."""
    unclosed = stock_row("DEU", "2020", "100").removesuffix(",,,") + ',,"a comment that is never closed,'
    parsed = read_csv_bytes(_csv(stock_row("DEU", "2019", "90"), unclosed, stock_row("DEU", "2021", "110")), "q.csv")
    problems = [p for p in parsed.problems if p.severity == "Violation"]
    assert [(p.rule, p.row, p.column) for p in problems] == [("malformed-row", 3, "COMMENT")]
    assert "runs from line 3 to line 4, so line 4 was read as part of it" in problems[0].message
    assert "is not closed" in problems[0].message
    assert [r.row for r in parsed.records] == [2]
    quoted = stock_row("DEU", "2020", "100").removesuffix(",,,") + ',,"a, quoted comment",'
    fine = read_csv_bytes(_csv(quoted, stock_row("DEU", "2021", "110")), "fine.csv")
    assert fine.problems == () and [r.row for r in fine.records] == [2, 3]
    assert fine.records[0].cells["COMMENT"] == "a, quoted comment"


def test_csv_rows_and_fields_are_bounded() -> None:
    rows = [stock_row("DEU", str(2000 + i), "100") for i in range(5)]
    assert len(read_csv_bytes(_csv(*rows), "five.csv", InputLimits(max_items=5)).records) == 5
    with pytest.raises(InputFileError, match=r"line 6: the file has more than 4 rows"):
        read_csv_bytes(_csv(*rows), "five.csv", InputLimits(max_items=4))
    long = stock_row("DEU", "2020", "100").removesuffix(",,,") + ",," + "x" * 2_000 + ","
    with pytest.raises(InputFileError, match=r"line 2: a field of 2,000 bytes is longer than the limit of 1,000"):
        read_csv_bytes(_csv(long), "long.csv", InputLimits(max_literal_bytes=1_000))


@pytest.mark.parametrize("text", ["²", "٣", "12", "0", "1" * 5000, "-1", "", " 7"])
def test_source_rows_are_ascii_digits_only(text: str) -> None:
    expected = int(text) if text in ("12", "0") else None
    assert row_number(text) == expected
    subject = NamedNode("http://example.org/o")
    triples = [Triple(subject, NamedNode(vocab.RDF + "type"), NamedNode(vocab.QB + "Observation")),
               Triple(subject, NamedNode(vocab.MP + "sourceRow"), Literal(text))]
    assert observations_of_graph(triples)["http://example.org/o"].row == expected
    assert _row(Literal(text)) == expected
    document = (f'<http://example.org/o> a <{vocab.QB}Observation> ; <{vocab.MP}sourceRow> "{text}" .').encode()
    assert read_rdf_bytes(document, "row.ttl", RdfFormat.TURTLE).records[0].row == (expected or 0)


def test_the_command_line_applies_the_same_bounds(tmp_path: Path) -> None:
    """``mpr validate`` and ``mpr load`` parse in their own process, within the same bounds as uploads (a separate
    process here, so that a crash would be an exit code, not the end of the test run)."""
    env = {**os.environ, "MPR_DATA": str(tmp_path / "data"), "MPR_SOURCES": str(sources_dir())}
    deep = tmp_path / "deep.jsonld"
    deep.write_bytes(deep_json_ld())
    done = subprocess.run([sys.executable, "-m", "api.cli", "validate", str(deep)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "nested more than 64 levels deep" in " ".join(done.stderr.split())
    rows = tmp_path / "rows.csv"
    rows.write_text("\n".join([HEADER, *(stock_row("DEU", str(2000 + i), "100") for i in range(3))]) + "\n")
    done = subprocess.run([sys.executable, "-m", "api.cli", "load", str(rows), "--agency", "DESTATIS"],
                          env={**env, "MPR_UPLOAD_MAX_ITEMS": "2"}, cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode != 0 and "more than 2 rows" in " ".join(done.stderr.split()), done.stderr
