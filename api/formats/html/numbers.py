"""Numbers and dates as a reader of the page's language writes them (Unicode CLDR via Babel, UTS #35 §3).

``1234.5`` is ``1,234.5`` in English, ``1 234,5`` in French (a narrow no-break space groups the thousands) and
``1.234,5`` in Spanish.
"""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

LOCALES = {"en": "en", "fr": "fr", "es": "es"}


def number(value: float | int | None, lang: str, *, decimals: int | None = None) -> str:
    """``value`` in the language's digits, grouping and decimal sign; an empty string for no value."""
    if value is None:
        return ""
    locale = LOCALES.get(lang, "en")
    if decimals is None:
        decimals = 0 if float(value).is_integer() else min(max(_decimals(value), 1), 3)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=locale)


def share(value: float, lang: str) -> str:
    """A share between 0 and 1 as a percentage (``87 %`` in French)."""
    return format_percent(value, locale=LOCALES.get(lang, "en"))


def _decimals(value: float | int) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0
