"""Vega-Lite specifications of the pages' charts, built on the server (Vega-Lite 6 spec, vega.github.io/schema).

Every chart carries its title, unit (axis title) and source (subtitle), a ``description`` that Vega renders as
the SVG's ``aria-label`` (the text alternative), and the number format of the page's language (Vega's
``config.locale``, d3-format's locale object). The same spec is served as JSON beside each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from api.formats.html.numbers import number

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier; the page never fetches it
_D3_LOCALES: dict[str, dict[str, Any]] = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]},
    "fr": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]},
    "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
}


@dataclass(frozen=True)
class Point:
    """One mark of a chart: a label (period or area name) and its value."""

    label: str
    value: float


def _frame(title: str, unit: str | None, source: str, description: str, lang: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "subtitle": source, "anchor": "start"},
        "description": description,
        "config": {"locale": {"number": _D3_LOCALES.get(lang, _D3_LOCALES["en"])}, "view": {"stroke": None},
                   "axis": {"labelFontSize": 11, "titleFontSize": 11}},
        "usermeta": {"unit": unit or "", "source": source},
    }


def series_description(title: str, unit: str | None, points: Sequence[Point], lang: str) -> str:
    """The text alternative of a time series: what, when, first and last value."""
    if not points:
        return f"{title}: no data."
    first, last = points[0], points[-1]
    unit_text = f" {unit}" if unit else ""
    return (f"{title}, {len(points)} periods from {first.label} to {last.label}: {number(first.value, lang)}"
            f"{unit_text} in {first.label}, {number(last.value, lang)}{unit_text} in {last.label}.")


def time_series(title: str, unit: str | None, source: str, points: Sequence[Point], lang: str) -> dict[str, Any]:
    """A line with points over the periods, in time order."""
    spec = _frame(title, unit, source, series_description(title, unit, points, lang), lang)
    spec.update({
        "width": "container", "height": 140,
        "data": {"values": [{"period": p.label, "value": p.value} for p in points]},
        "mark": {"type": "line", "point": True, "tooltip": False},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": unit or None, "axis": {"format": ",~r"}},
        },
    })
    return spec


def ranking_description(title: str, unit: str | None, points: Sequence[Point], lang: str) -> str:
    """The text alternative of a ranked bar chart: how many areas, highest and lowest."""
    if not points:
        return f"{title}: no data."
    top, bottom = points[0], points[-1]
    unit_text = f" {unit}" if unit else ""
    return (f"{title}, {len(points)} areas ranked: highest {top.label} ({number(top.value, lang)}{unit_text}), "
            f"lowest {bottom.label} ({number(bottom.value, lang)}{unit_text}).")


def ranking(title: str, unit: str | None, source: str, points: Sequence[Point], lang: str) -> dict[str, Any]:
    """Horizontal bars, highest first (the order given)."""
    spec = _frame(title, unit, source, ranking_description(title, unit, points, lang), lang)
    spec.update({
        "width": "container", "height": {"step": 18},
        "data": {"values": [{"area": p.label, "value": p.value, "rank": i + 1} for i, p in enumerate(points)]},
        "mark": {"type": "bar", "tooltip": False},
        "encoding": {
            "y": {"field": "area", "type": "nominal", "title": None, "sort": {"field": "rank", "order": "ascending"}},
            "x": {"field": "value", "type": "quantitative", "title": unit or None, "axis": {"format": ",~r"}},
        },
    })
    return spec
