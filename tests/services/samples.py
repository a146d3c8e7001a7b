"""Small valid and invalid submissions written in the template's columns."""

from __future__ import annotations

from pathlib import Path

from api.formats.tabular.template import template_header

HEADER = ",".join(template_header())
PREFIX = "dataflow,MPR:MIGRATION_PROFILE(1.0),I,"


def stock_row(area: str, year: str, value: str, sex: str = "_T", conf: str = "F", status: str = "A") -> str:
    """An STK_IMM row (persons; broken down by sex, age and counterpart area)."""
    return f"{PREFIX}A,{area},STK_IMM,_T,{sex},_T,_Z,{year},{value},PS,0,{status},{conf},,,"


def write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def valid_rows() -> list[str]:
    return [
        stock_row("DEU", "2019", "15000000"),
        stock_row("DEU", "2020", "15762457"),
        stock_row("FRA", "2020", "8524876"),
    ]
