"""The one Jinja2 environment of the registry's pages (autoescaped), over ``templates/`` beside this module."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
