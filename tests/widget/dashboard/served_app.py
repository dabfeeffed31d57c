"""The app with the dashboard for a server process: `uvicorn <this>:create --factory`."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from tests.widget.dashboard.conftest import dashboard_app
from widget.settings import Settings


def create() -> Starlette:
    return dashboard_app(Settings.from_env(os.environ))
