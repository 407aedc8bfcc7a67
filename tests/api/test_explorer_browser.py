"""The network explorer in a real browser: Debian's chromium, driven headless by Playwright,
against the real app over HTTP with demo data in the real Neo4j.

It fails (never skips) when no chromium can be found: `make setup` installs Debian's package
where it can. Screenshots are kept in ``test-artifacts/`` of the checkout.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from growthgraph.graph.database import Database
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import ANALYST_KEY, Api

SIGN_UP = """
mutation($input: RecordSignUpInput!) { recordSignUp(input: $input) { __typename } }
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LEADERBOARD = """
query($degree: Int!) {
  topReferrers(degree: $degree, limit: 15) {
    signUps
    referrer { id kind ... on User { name } ... on Influencer { handle } ... on Partner { name } }
  }
}
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no chromium on this machine: install Debian's chromium package (make setup)")


async def open_explorer(browser: Browser, api: Api, key: str) -> Page:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{api.url}/explorer")
    await page.fill("#api-key", key)
    await page.click("#key-form button")
    page.set_default_timeout(20_000)
    assert errors == []
    return page


async def leaderboard_rows(page: Page) -> list[dict[str, Any]]:
    await page.wait_for_selector("#leaderboard li[data-id]")
    rows: list[dict[str, Any]] = await page.eval_on_selector_all(
        "#leaderboard li[data-id]",
        """items => items.map(li => ({
            id: li.dataset.id, kind: li.dataset.kind,
            text: li.querySelector('button').textContent,
            signUps: Number(li.querySelector('.count').textContent)}))""",
    )
    return rows


async def test_leaderboard_cascade_and_user_as_the_api_answers(
    api: Api, clean_db: Database
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await load_dataset(clean_db, seed.generate(users=1_500, seed=5))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), headless=True)
        try:
            page = await open_explorer(browser, api, ANALYST_KEY)
            await page.wait_for_function(
                "document.querySelector('#leaderboard').getAttribute('aria-busy') === 'false'"
                " && document.querySelectorAll('#leaderboard li[data-id]').length > 0"
            )
            # The leaderboard shows the same referrers, counts and (masked) names the API gives
            # an analyst, in the same order.
            expected = api.data(LEADERBOARD, {"degree": 2}, key=ANALYST_KEY)["topReferrers"]
            rows = await leaderboard_rows(page)
            assert [(r["kind"], r["id"], r["signUps"]) for r in rows] == [
                (e["referrer"]["kind"], e["referrer"]["id"], e["signUps"]) for e in expected
            ]
            for row, answer in zip(rows, expected, strict=True):
                shown = answer["referrer"].get("handle") or answer["referrer"].get("name")
                assert shown in row["text"]
            # Another degree: the list follows.
            await page.select_option("#degree", "1")
            expected_1 = api.data(LEADERBOARD, {"degree": 1}, key=ANALYST_KEY)["topReferrers"]
            await page.wait_for_function(
                "ids => Array.from(document.querySelectorAll('#leaderboard li[data-id]'))"
                ".map(li => li.dataset.id).join() === ids",
                arg=",".join(e["referrer"]["id"] for e in expected_1),
            )

            # A click on the leader draws its cascade: the root and users below it.
            leader = expected_1[0]["referrer"]
            await page.click(f"#leaderboard li[data-id='{leader['id']}'] button")
            root = f"{leader['kind']}:{leader['id']}"
            await page.wait_for_function(
                "root => document.querySelector('#cascade').dataset.root === root", arg=root
            )
            drawn: dict[str, Any] = await page.evaluate(
                """() => { const cy = window.growthgraphExplorer.cascade();
                           return { users: cy.nodes("[kind = 'USER']").map(n => n.data('ref')),
                                    canvas: document.querySelectorAll('#cascade canvas').length }; }"""
            )
            direct = api.data(
                "query($id: ID!) { influencer(id: $id) { referrals(first: 12) { nodes { id } } }"
                " partner(id: $id) { referrals(first: 12) { nodes { id } } } }",
                {"id": leader["id"]},
                key=ANALYST_KEY,
            )
            source = direct["influencer"] or direct["partner"]
            assert source is not None
            assert {n["id"] for n in source["referrals"]["nodes"]} <= set(drawn["users"])
            assert drawn["canvas"] > 0
            cascade = api.data(
                "query($root: ReferrerRef!) { referralCascade(root: $root, maxDepth: 50) { total } }",
                {"root": {"kind": leader["kind"], "id": leader["id"]}},
                key=ANALYST_KEY,
            )["referralCascade"]
            assert f"{cascade['total']} users below" in await page.inner_text("#cascade-summary")
            await page.screenshot(path=str(ARTIFACTS / "explorer-cascade.png"))

            # A click on a drawn user (on the canvas, where it is drawn) shows its figures and
            # its attribution path, ending at the leader.
            user_id = source["referrals"]["nodes"][0]["id"]
            box = await page.locator("#cascade").bounding_box()
            assert box is not None
            where: dict[str, float] = await page.evaluate(
                "id => window.growthgraphExplorer.cascade().getElementById('USER:' + id)"
                ".renderedPosition()",
                user_id,
            )
            await page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
            await page.wait_for_function(
                "id => document.querySelector('#user-figures').dataset.user === id", arg=user_id
            )
            path = await page.eval_on_selector_all(
                "#attribution li[data-id]", "items => items.map(li => li.dataset.id)"
            )
            expected_path = api.data(
                "query($id: ID!) { attributionPath(userId: $id) { id } user(id: $id) { name } }",
                {"id": user_id},
                key=ANALYST_KEY,
            )
            assert path == [r["id"] for r in expected_path["attributionPath"]]
            assert path[-1] == leader["id"]
            figures = await page.inner_text("#user-figures")
            assert expected_path["user"]["name"] in figures  # masked for an analyst

            # A sign-up recorded through the API arrives live: listed, and drawn under its
            # referrer in the cascade on screen.
            await page.wait_for_selector("#live-status[data-state='on']")
            new_id = "u-live-1"
            recorded = api.data(
                SIGN_UP,
                {
                    "input": {
                        "id": new_id,
                        "name": "Live Person",
                        "email": "live@example.com",
                        "signedUpAt": datetime.now(UTC).isoformat(),
                        "referrer": {"kind": "USER", "id": user_id},
                    }
                },
            )
            assert recorded["recordSignUp"]["__typename"] == "RecordSignUpSuccess"
            await page.wait_for_selector(f"#live li[data-id='{new_id}']")
            assert user_id in await page.inner_text(f"#live li[data-id='{new_id}']")
            await page.wait_for_function(
                "id => !window.growthgraphExplorer.cascade().getElementById('USER:' + id).empty()",
                arg=new_id,
            )
            await page.screenshot(path=str(ARTIFACTS / "explorer-user.png"))
        finally:
            await browser.close()


async def test_persisted_queries_are_used_by_the_page(api: Api, clean_db: Database) -> None:
    await load_dataset(clean_db, seed.generate(users=300, seed=6))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), headless=True)
        try:
            page = await browser.new_page()
            bodies: list[dict[str, Any]] = []

            def record(request: Any) -> None:
                if request.url.endswith("/graphql") and request.method == "POST":
                    bodies.append(request.post_data_json)

            page.on("request", record)
            await page.goto(f"{api.url}/explorer")
            await page.fill("#api-key", ANALYST_KEY)
            await page.click("#key-form button")
            await page.wait_for_selector("#leaderboard li[data-id]")
            await page.reload()
            await page.wait_for_selector("#leaderboard li[data-id]")
            assert bodies, "the page sent no GraphQL request"
            assert all("persistedQuery" in b.get("extensions", {}) for b in bodies)
            # After the first load the server knows the documents: some requests carry only
            # the hash, and every request that carried a document was answering a miss.
            assert any("query" not in b for b in bodies[-2:])
        finally:
            await browser.close()
