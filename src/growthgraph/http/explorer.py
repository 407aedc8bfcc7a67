"""The network explorer: a page at ``/explorer`` that uses only the public GraphQL API.

It shows the leaderboard by degree and window, draws a referrer's cascade level by level, a
user's attribution path and figures, and the sign-ups arriving live through the ``signUps``
subscription. The page's own script and style live in ``explorer/app`` of the repository; the
graph-drawing library comes from the pinned npm package in ``explorer/package.json``, installed
at setup (``npm ci --prefix explorer``) like the playground's, so the page works offline. Only
an allow-list of files is served. Importing this module does no I/O.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from growthgraph.http.playground import asset_endpoint

__all__ = [
    "EXPLORER_ASSETS",
    "EXPLORER_PATH",
    "explorer_dir",
    "explorer_html",
    "explorer_routes",
    "missing_explorer_assets",
]

EXPLORER_PATH: Final = "/explorer"
ASSET_VERSION: Final = "cytoscape-3.35.0"
"""Cache-busting token for the npm bundle: change it with the version in explorer/package.json."""

NOT_INSTALLED: Final = "explorer assets are not installed: run make setup"
_JS: Final = "text/javascript; charset=utf-8"
_CSS: Final = "text/css; charset=utf-8"
_REVALIDATE: Final = "no-cache"


@dataclass(frozen=True, slots=True)
class ExplorerAsset:
    """One allow-listed file: its public name, its path under ``explorer/`` and whether it is
    a pinned npm file (cached for a year) or the page's own (revalidated on every load)."""

    name: str
    source: str
    media_type: str
    pinned: bool


EXPLORER_ASSETS: Final[tuple[ExplorerAsset, ...]] = (
    ExplorerAsset("cytoscape.min.js", "node_modules/cytoscape/dist/cytoscape.min.js", _JS, True),
    ExplorerAsset("explorer.js", "app/explorer.js", _JS, False),
    ExplorerAsset("explorer.css", "app/explorer.css", _CSS, False),
)


def explorer_dir(configured: str | None) -> Path:
    """The ``explorer`` directory (holding ``app/`` and ``node_modules/``): the configured
    ``GROWTHGRAPH_EXPLORER_DIR``, else the checkout's ``explorer`` folder."""
    if configured is None or not configured.strip():
        return Path(__file__).resolve().parents[3] / "explorer"
    return Path(configured.strip()).expanduser().absolute()


def missing_explorer_assets(directory: Path) -> list[str]:
    """The allow-listed files missing from ``directory`` (empty if none)."""
    return [a.source for a in EXPLORER_ASSETS if not (directory / a.source).is_file()]


def _url(name: str, pinned: bool) -> str:
    suffix = f"?v={ASSET_VERSION}" if pinned else ""
    return html.escape(f"{EXPLORER_PATH}/assets/{name}{suffix}", quote=True)


def explorer_html() -> str:
    """The page: a static shell; everything it shows comes from ``/graphql``."""
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>growthgraph explorer</title>
    <link rel="stylesheet" href="{_url("explorer.css", False)}">
  </head>
  <body>
    <header>
      <h1>growthgraph <span>explorer</span></h1>
      <form id="key-form" autocomplete="off">
        <label for="api-key">API key</label>
        <input id="api-key" type="password" placeholder="none needed on a local server">
        <button type="submit">Use</button>
      </form>
      <span id="live-status" class="status" data-state="off">live: off</span>
    </header>
    <main>
      <section id="leaderboard-panel" aria-labelledby="leaderboard-title">
        <h2 id="leaderboard-title">Top referrers</h2>
        <div class="controls">
          <label>Degree <select id="degree">
            <option value="1">1: direct</option>
            <option value="2" selected>2: second degree</option>
            <option value="3">3</option><option value="4">4</option><option value="5">5</option>
          </select></label>
          <label>Window <select id="window">
            <option value="">all time</option>
            <option value="7">last 7 days</option>
            <option value="30">last 30 days</option>
            <option value="365">last 365 days</option>
          </select></label>
        </div>
        <ol id="leaderboard" aria-live="polite"></ol>
        <p id="leaderboard-error" class="error" hidden></p>
      </section>
      <section id="cascade-panel" aria-labelledby="cascade-title">
        <h2 id="cascade-title">Cascade</h2>
        <p id="cascade-summary">Pick a referrer on the left to draw its cascade.</p>
        <div id="cascade"></div>
      </section>
      <aside>
        <section id="details" aria-labelledby="details-title">
          <h2 id="details-title">User</h2>
          <p id="details-hint">Click a user in the cascade.</p>
          <dl id="user-figures"></dl>
          <h3>Attributed to</h3>
          <ol id="attribution"></ol>
        </section>
        <section aria-labelledby="live-title">
          <h2 id="live-title">Live sign-ups</h2>
          <ol id="live"></ol>
        </section>
      </aside>
    </main>
    <script src="{_url("cytoscape.min.js", True)}"></script>
    <script src="{_url("explorer.js", False)}"></script>
  </body>
</html>
"""


def explorer_routes(directory: Path) -> list[BaseRoute]:
    """The page and its allow-listed files. Nothing is read when the routes are built."""

    def page(_request: Request) -> Response:
        if missing_explorer_assets(directory):
            return HTMLResponse(
                NOT_INSTALLED, status_code=503, headers={"Cache-Control": "no-store"}
            )
        return HTMLResponse(explorer_html(), headers={"Cache-Control": _REVALIDATE})

    routes: list[BaseRoute] = [Route(EXPLORER_PATH, page, methods=["GET", "HEAD"])]
    for asset in EXPLORER_ASSETS:
        endpoint = (
            asset_endpoint(directory / asset.source, asset.media_type, missing=NOT_INSTALLED)
            if asset.pinned
            else asset_endpoint(
                directory / asset.source,
                asset.media_type,
                cache_control=_REVALIDATE,
                missing=NOT_INSTALLED,
            )
        )
        routes.append(
            Route(
                f"{EXPLORER_PATH}/assets/{asset.name}",
                endpoint,
                methods=["GET", "HEAD"],
                name=f"explorer:{asset.name}",
            )
        )
    return routes
