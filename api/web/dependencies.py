"""What every route may depend on (FastAPI dependencies): the app's registry, reached one way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.services.registry import Registry


def current_registry(request: Request) -> Registry:
    """The registry the app was built over (``create_app`` puts it on ``app.state``)."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(current_registry)]
