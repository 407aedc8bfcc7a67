"""The GraphiQL playground works offline: every asset it loads is served locally.

These tests run a real uvicorn server on 127.0.0.1 with a tiny schema of their
own, so they do not depend on the rest of the application. They fail (never
skip) when the npm assets are missing: install them with
``npm ci --prefix playground``.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route

from growthgraph.http.graphql_view import PlaygroundGraphQL
from growthgraph.http.playground import (
    ASSET_VERSION,
    ASSETS_PATH,
    DEFAULT_QUERY,
    NOT_INSTALLED_MESSAGE,
    PLAYGROUND_ASSETS,
    missing_playground_assets,
    playground_assets_dir,
    playground_html,
    playground_routes,
)
from tests.support.server import serve

if TYPE_CHECKING:
    from collections.abc import Generator

REPO = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run `npm ci --prefix playground` to install the playground assets"

# Hosts a browser bundle could pull code, styles or fonts from at run time.
CDN_HOSTS = (
    "unpkg.com",
    "cdn.jsdelivr.net",
    "esm.sh",
    "fonts.googleapis",
    "fonts.gstatic",
)


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"


def _assets_dir() -> Path:
    assets_dir = playground_assets_dir(os.environ.get("GROWTHGRAPH_PLAYGROUND_DIR"))
    missing = missing_playground_assets(assets_dir)
    if missing:
        pytest.fail(
            f"playground assets missing from {assets_dir} ({', '.join(missing)}): {INSTALL_HINT}",
            pytrace=False,
        )
    return assets_dir


def _app(assets_dir: Path, *, default_query: str = DEFAULT_QUERY) -> Starlette:
    graphql_app: PlaygroundGraphQL[None, None] = PlaygroundGraphQL(
        strawberry.Schema(query=Query),
        default_query=default_query,
        assets_dir=assets_dir,
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            *playground_routes(assets_dir),
        ]
    )


@pytest.fixture(scope="module")
def base_url() -> Generator[str]:
    with serve(_app(_assets_dir())) as url:
        yield url


class _AssetRefs(HTMLParser):
    """Collects every URL the page would load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.others: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and "src" in values:
            self.scripts.append(values["src"])
        elif tag == "link" and "href" in values:
            self.links.append(values["href"])
        else:
            self.others.extend(values[k] for k in ("src", "href") if k in values)


def _page(base_url: str) -> str:
    response = httpx.get(f"{base_url}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_page_loads_only_same_origin_assets(base_url: str) -> None:
    page = _page(base_url)
    refs = _AssetRefs()
    refs.feed(page)

    assert "<title>growthgraph playground</title>" in page
    assert not re.search(r"https?://", page), "the page names an absolute URL"
    assert len(refs.scripts) == 3
    assert len(refs.links) == 1
    assert refs.others == []
    for url in (*refs.scripts, *refs.links):
        assert url.startswith(f"{ASSETS_PATH}/"), url
        assert not url.startswith("//"), url
        response = httpx.get(f"{base_url}{url}", timeout=10)
        assert response.status_code == 200, url
        assert len(response.content) > 5_000, url
        assert "max-age=31536000" in response.headers["cache-control"]
        expected = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(expected), url


def test_page_preloads_the_default_query_and_points_at_the_endpoint(
    base_url: str,
) -> None:
    page = _page(base_url)
    config = re.search(r"var config = (\{.*?\});\n", page)
    assert config is not None
    decoded = json.loads(config.group(1))
    assert decoded["endpoint"] == "/graphql"
    assert decoded["defaultQuery"] == DEFAULT_QUERY
    assert "topReferrers(degree: 2, limit: 10)" in decoded["defaultQuery"]
    assert (
        'referralCascade(root: {kind: INFLUENCER, id: \\"inf-1\\"}, maxDepth: 10)'
        in config.group(1)
    )


def test_post_query_works(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": 'query { hello(name: "playground") }'},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "hello playground"}}


def test_only_allow_listed_files_are_served(base_url: str) -> None:
    for path in (
        f"{ASSETS_PATH}/graphiql/package.json",
        f"{ASSETS_PATH}/../package.json",
        f"{ASSETS_PATH}/graphiql.min.js.map",
        f"{ASSETS_PATH}/",
    ):
        assert httpx.get(f"{base_url}{path}", timeout=10).status_code == 404, path


def test_bundles_fetch_nothing_from_a_cdn() -> None:
    """No bundle names a CDN or font host, and the CSS embeds its fonts.

    The GraphiQL bundle does name a few https URLs, all inert for offline use:
    links in license comments and help text (GitHub, CodeMirror docs), schema
    descriptions from graphql-js (CommonMark, Wikipedia), and an error message
    about React 15; React DOM names its error decoder only inside error text.
    Its one fetch() is GraphiQL's image preview, which sends HEAD to image URLs
    found in the user's own query results.
    """
    assets_dir = _assets_dir()
    for asset in PLAYGROUND_ASSETS:
        text = (assets_dir / asset.source).read_text(encoding="utf-8")
        for host in CDN_HOSTS:
            assert host not in text, f"{asset.source} references {host}"
        assert "importScripts(" not in text, asset.source
        assert "new Worker(" not in text, asset.source

    css = (assets_dir / "graphiql/graphiql.min.css").read_text(encoding="utf-8")
    assert "@import" not in css
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", css)
    assert urls, "expected the stylesheet to embed its fonts"
    assert all(url.startswith("data:") for url in urls), urls


def test_asset_version_matches_the_pinned_packages() -> None:
    manifest = json.loads((REPO / "playground/package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "playground/package-lock.json").read_text(encoding="utf-8"))
    pinned = manifest["dependencies"]
    expected = f"graphiql-{pinned['graphiql']}.react-{pinned['react']}"
    assert expected == ASSET_VERSION, "bump ASSET_VERSION with the pinned versions"
    assert pinned["react-dom"] == pinned["react"]
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_missing_assets_give_a_clear_503(tmp_path: Path) -> None:
    with (
        serve(_app(tmp_path)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        for asset in PLAYGROUND_ASSETS:
            response = client.get(f"{ASSETS_PATH}/{asset.name}")
            assert response.status_code == 503
            assert response.text == NOT_INSTALLED_MESSAGE
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 503
        assert page.text == NOT_INSTALLED_MESSAGE
        query = client.post("/graphql", json={"query": "{ hello }"})
        assert query.json() == {"data": {"hello": "hello world"}}


def test_default_query_cannot_break_out_of_the_script() -> None:
    nasty = "# </script><script>alert(1)</script> & <!-- \u2028"
    page = playground_html(endpoint="/graphql", default_query=nasty)
    assert page.count("</script>") == 4  # three asset tags and the inline one
    assert "<!--" not in page
    config = re.search(r"var config = (\{.*?\});\n", page)
    assert config is not None
    assert json.loads(config.group(1))["defaultQuery"] == nasty


def test_assets_dir_setting(tmp_path: Path) -> None:
    assert playground_assets_dir(None) == REPO / "playground" / "node_modules"
    assert playground_assets_dir("") == REPO / "playground" / "node_modules"
    assert playground_assets_dir(str(tmp_path)) == tmp_path
    (tmp_path / "node_modules").mkdir()
    assert playground_assets_dir(str(tmp_path)) == tmp_path / "node_modules"
