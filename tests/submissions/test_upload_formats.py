"""The formats an upload may come in are the readers' declarations: the suffix and Content-Type rules, the
messages that name what is accepted, the upload's OpenAPI body and the README all follow them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.errors import BadRequest, InputFileError
from api.formats.submission_input import MEDIA_TYPES, READERS, SUFFIXES, accepted, read_submission
from api.formats.tabular import template
from api.services.registry import Registry
from api.services.submissions.upload import suffix_for
from api.web.app import create_app

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_suffix_and_media_type_picks_its_reader() -> None:
    assert SUFFIXES == (".csv", ".txt", ".tsv", ".xlsx", ".xml", ".ttl", ".jsonld", ".nt")
    for reader in READERS:
        for suffix in reader.format.suffixes:
            assert suffix_for(f"data{suffix.upper()}", "application/octet-stream") == suffix
        for media_type in reader.media_types:
            assert suffix_for(None, media_type) == reader.format.suffixes[0]
            assert suffix_for("data.ods", f"{media_type}; charset=utf-8") == reader.format.suffixes[0]
    assert suffix_for(None, "application/vnd.sdmx.genericdata+xml") == ".xml"
    assert suffix_for(None, "application/n-triples") == ".nt"


def test_what_is_not_accepted_is_refused_naming_what_is() -> None:
    with pytest.raises(BadRequest) as raised:
        suffix_for("data.ods", "application/vnd.oasis.opendocument.spreadsheet")
    for name in (*SUFFIXES, *MEDIA_TYPES):
        assert name in raised.value.message


def test_a_file_of_another_type_is_refused_naming_every_suffix(tmp_path: Path) -> None:
    path = tmp_path / "data.ods"
    path.write_bytes(b"PK")
    with pytest.raises(InputFileError) as raised:
        read_submission(path)
    assert all(suffix in raised.value.message for suffix in SUFFIXES)


def test_each_reader_reads_its_suffixes(tmp_path: Path) -> None:
    header = ",".join(template.template_header()) + "\n"
    for suffix in template.READER.format.suffixes:
        path = tmp_path / f"empty{suffix}"
        path.write_text(header, encoding="utf-8")
        assert len(read_submission(path).records) == 0


def test_the_openapi_upload_body_lists_every_reader(settings: Settings, registry: Registry) -> None:
    document = TestClient(create_app(registry)).get("/openapi.json").json()
    content = document["paths"]["/api/submissions"]["post"]["requestBody"]["content"]
    assert set(content) == {"multipart/form-data", *MEDIA_TYPES}
    file_part = content["multipart/form-data"]["schema"]["properties"]["file"]
    assert file_part["description"] == accepted()


def test_the_readme_lists_what_uploads_may_be() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert accepted(media_types=True) in text, (
        "the README's paragraph on accepted uploads is out of date: it should list " + accepted(media_types=True))
    assert re.search(r"An upload is read by its file name's suffix", text)
