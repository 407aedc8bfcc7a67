"""Self-hosted GraphiQL playground.

The page served at ``GET /graphql`` (``Accept: text/html``) loads GraphiQL and
React from this application only, never from a CDN, so it works on a machine
without internet access.  The browser bundles come from the pinned npm packages
in ``playground/package.json`` and are installed at setup time with
``npm ci --prefix playground``; they are not part of the repository.

Only an allow-list of four files is served from ``node_modules``, under
:data:`ASSETS_PATH`.  Importing this module does no I/O.
The GraphQL endpoint that serves the page is in ``http.graphql_view``.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from collections.abc import Callable


log = logging.getLogger("growthgraph.http")

__all__ = [
    "ASSETS_PATH",
    "ASSET_VERSION",
    "DEFAULT_QUERY",
    "NOT_INSTALLED_MESSAGE",
    "PLAYGROUND_ASSETS",
    "PlaygroundAsset",
    "asset_endpoint",
    "missing_playground_assets",
    "not_installed",
    "playground_assets_dir",
    "playground_html",
    "playground_routes",
]

ASSETS_PATH: Final = "/playground"
"""URL prefix under which the playground's static files are served."""

ASSET_VERSION: Final = "graphiql-3.9.0.react-18.3.1"
"""Cache-busting token appended to asset URLs (``?v=...``).

It names the versions pinned in ``playground/package.json``; change it together
with them so browsers drop their long-cached copies.
"""

NOT_INSTALLED_MESSAGE: Final = "playground assets are not installed: run make setup"

_ONE_MINUTE: Final = timedelta(minutes=1)
_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
_JS: Final = "text/javascript; charset=utf-8"
_CSS: Final = "text/css; charset=utf-8"


@dataclass(frozen=True, slots=True)
class PlaygroundAsset:
    """One allow-listed file: its public name and its path inside node_modules."""

    name: str
    source: str
    media_type: str


PLAYGROUND_ASSETS: Final[tuple[PlaygroundAsset, ...]] = (
    PlaygroundAsset("react.production.min.js", "react/umd/react.production.min.js", _JS),
    PlaygroundAsset(
        "react-dom.production.min.js", "react-dom/umd/react-dom.production.min.js", _JS
    ),
    PlaygroundAsset("graphiql.min.js", "graphiql/graphiql.min.js", _JS),
    PlaygroundAsset("graphiql.min.css", "graphiql/graphiql.min.css", _CSS),
)
"""Every file the playground page needs; nothing else is served."""

DEFAULT_QUERY: Final = """\
# Welcome to the growthgraph playground. Press the play
# button (or Ctrl-Enter) to run; Ctrl-Space completes
# fields, and the Docs pane on the left has every
# field's definition.
#
# Who drove the most second-degree sign-ups? Ranks
# referrers by the users exactly `degree` REFERRED hops
# below them: degree 1 = their direct referrals,
# degree 2 = the referrals of their referrals.
# Then: how big and deep did the leading influencer's
# cascade grow, and where does one user's attribution
# lead?
query GrowthAtAGlance {
  topReferrers(degree: 2, limit: 10) {
    signUps
    referrer {
      id
      kind
      # A referrer is an influencer, a partner or a user.
      ... on Influencer { handle platform }
      ... on Partner { name }
      ... on User { name }
    }
  }
  referralCascade(root: {kind: INFLUENCER, id: "inf-1"}, maxDepth: 10) {
    total
    depth
    levels { depth signUps }
  }
  attributionPath(userId: "u-000500") { id kind }
}
"""
"""The query preloaded into the editor on a first visit."""


def playground_assets_dir(configured: str | None) -> Path:
    """Return the ``node_modules`` directory the playground assets are read from.

    ``configured`` is the ``GROWTHGRAPH_PLAYGROUND_DIR`` setting. When it is
    empty or ``None`` the default is ``<repo>/playground/node_modules``, found
    relative to this package's source (a source checkout or an editable
    install). A configured directory may be either that ``node_modules``
    directory itself or the ``playground`` directory that holds it.
    """
    if configured is None or not configured.strip():
        return Path(__file__).resolve().parents[3] / "playground" / "node_modules"
    directory = Path(configured.strip()).expanduser().absolute()
    nested = directory / "node_modules"
    if not (directory / "graphiql").is_dir() and nested.is_dir():
        return nested
    return directory


def missing_playground_assets(assets_dir: Path) -> list[str]:
    """Return the allow-listed files missing from ``assets_dir`` (empty if none)."""
    return [
        asset.source for asset in PLAYGROUND_ASSETS if not (assets_dir / asset.source).is_file()
    ]


def not_installed(message: str = NOT_INSTALLED_MESSAGE) -> PlainTextResponse:
    return PlainTextResponse(message, status_code=503, headers={"Cache-Control": "no-store"})


def asset_endpoint(
    path: Path,
    media_type: str,
    *,
    cache_control: str = _CACHE_CONTROL,
    missing: str = NOT_INSTALLED_MESSAGE,
) -> Callable[[Request], Response]:
    """A GET endpoint serving one file, or a 503 saying how to install it when it is missing."""

    # Synchronous on purpose: Starlette runs it in its thread pool, so the
    # existence check never blocks the event loop.
    def endpoint(_request: Request) -> Response:
        if not path.is_file():
            return not_installed(missing)
        return FileResponse(
            path,
            media_type=media_type,
            headers={
                "Cache-Control": cache_control,
                "X-Content-Type-Options": "nosniff",
            },
        )

    return endpoint


def playground_routes(assets_dir: Path, *, assets_path: str = ASSETS_PATH) -> list[BaseRoute]:
    """Routes serving the allow-listed playground files under ``assets_path``.

    Nothing is read when the routes are built: a request for a file that is not
    installed gets a 503 saying how to install it.
    """
    return [
        Route(
            f"{assets_path.rstrip('/')}/{asset.name}",
            asset_endpoint(assets_dir / asset.source, asset.media_type),
            methods=["GET", "HEAD"],
            name=f"playground:{asset.name}",
        )
        for asset in PLAYGROUND_ASSETS
    ]


def _script_json(value: object) -> str:
    """Encode ``value`` as JSON that is safe inside an inline ``<script>``."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _asset_url(assets_path: str, name: str) -> str:
    return html.escape(f"{assets_path}/{name}?v={ASSET_VERSION}", quote=True)


def playground_html(*, endpoint: str, default_query: str, assets_path: str = ASSETS_PATH) -> str:
    """Return the GraphiQL page.

    The page loads the allow-listed assets from ``assets_path`` on the same
    origin, sends operations to ``endpoint`` (same origin, ``POST`` JSON), and
    preloads ``default_query`` into the editor when the browser has no saved
    session.
    """
    prefix = assets_path.rstrip("/")
    config = _script_json(
        {
            "endpoint": endpoint,
            "defaultQuery": default_query,
            "notInstalled": NOT_INSTALLED_MESSAGE,
        }
    )
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>growthgraph playground</title>
    <link rel="stylesheet" href="{_asset_url(prefix, "graphiql.min.css")}">
    <style>
      html, body {{ height: 100%; margin: 0; }}
      #graphiql {{ height: 100vh; }}
      .playground-message {{ font: 16px/1.5 system-ui, sans-serif; padding: 2rem; }}
    </style>
  </head>
  <body>
    <div id="graphiql">
      <noscript>
        <p class="playground-message">The playground needs JavaScript.</p>
      </noscript>
    </div>
    <script src="{_asset_url(prefix, "react.production.min.js")}"></script>
    <script src="{_asset_url(prefix, "react-dom.production.min.js")}"></script>
    <script src="{_asset_url(prefix, "graphiql.min.js")}"></script>
    <script>
      (function () {{
        "use strict";
        var config = {config};
        var container = document.getElementById("graphiql");
        if (!window.React || !window.ReactDOM || !window.GraphiQL) {{
          var message = document.createElement("p");
          message.className = "playground-message";
          message.textContent = config.notInstalled;
          container.replaceChildren(message);
          return;
        }}
        var fetcher = window.GraphiQL.createFetcher({{ url: config.endpoint }});
        window.ReactDOM.createRoot(container).render(
          window.React.createElement(window.GraphiQL, {{
            fetcher: fetcher,
            defaultQuery: config.defaultQuery,
          }})
        );
      }})();
    </script>
  </body>
</html>
"""
