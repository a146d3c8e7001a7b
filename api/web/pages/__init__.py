"""Pages for people (server-rendered, Jinja2): what analysts read and where agencies upload.

``public`` holds the home page, country profiles, comparisons, the indicator catalogue and the datasets; each
page also answers its API route's JSON. ``agency`` holds the upload pages (sign in with a token once, then a
session cookie: ``sessions``). A crisis view of an area (``/areas/{code}/crisis``) belongs in a module of its own
here: ``crisis`` (with the origins and abroad tables), its templates under ``templates/pages/``.
"""

from fastapi import APIRouter

from api.web.pages import agency, crisis, public

router = APIRouter(include_in_schema=False)
router.include_router(crisis.router)
router.include_router(public.router)
router.include_router(agency.router)
