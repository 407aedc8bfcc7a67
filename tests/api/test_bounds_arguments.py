"""Both sides of every argument limit, through the real API.

Every ``Bound`` of ``api.arguments`` is found by iterating the module, and mapped here to the
field(s) that use it. For each use: the smallest and the largest accepted value run without an
error, and the largest refused values on both sides (``low - 1`` and ``high + 1``) give
``BAD_USER_INPUT`` with no answer for the field, written inline and passed as a variable. Page
sizes (``first`` without a Bound of its own, bounded by the settings) get the same treatment.

A new Bound fails ``test_every_bound_is_used_by_a_known_field`` until it is mapped to its field,
and a bounded argument or a page size that the schema shows but this table does not know fails
``test_the_schema_has_no_bound_that_the_table_does_not_know``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import graphql
import pytest

from growthgraph.api import arguments
from growthgraph.api.arguments import Bound
from growthgraph.api.schema import build_schema
from growthgraph.config import Settings
from growthgraph.graph import rewards
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.outcomes import Written
from growthgraph.loading.dataset import ConnectionRow, ConversionRow, load_dataset
from tests.api.conftest import Api
from tests.support.handmade import at, handmade

RUN_ID = "RUN_ID"  # replaced by the id of the reward run the fixture makes
WINDOW = 'from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z"'
PERIOD = 'since: "2024-01-01T00:00:00Z", until: "2024-01-31T00:00:00Z"'
ROOT = 'root: {kind: INFLUENCER, id: "x"}'


@dataclass(frozen=True)
class Use:
    """One field's argument that a bound limits. ``selection`` is the root field with its
    arguments and selection, ``VALUE`` where the bounded value goes; ``answer`` is a key of the
    field's answer that must be present when the value is accepted (the field did answer)."""

    type: str  # the schema type holding the field: Query, Mutation, User, ...
    field: str  # the field whose argument is bounded
    argument: str
    selection: str
    answer: str | None = None
    mutation: bool = False

    @property
    def root(self) -> str:
        """The root field of the document (the one whose answer is checked)."""
        return self.selection.split("(", 1)[0].strip()

    def document(self, value: int | None) -> str:
        """The document with ``value`` written inline, or as the variable ``$v`` when None."""
        operation = "mutation" if self.mutation else "query"
        if value is None:
            return f"{operation}($v: Int!) {{ {self.selection.replace('VALUE', '$v')} }}"
        return f"{operation} {{ {self.selection.replace('VALUE', str(value))} }}"


def q(field: str, argument: str, selection: str, answer: str | None = None) -> Use:
    return Use("Query", field, argument, selection, answer)


# Every Bound of api.arguments (by its name there) and the fields that use it.
BOUND_USES: dict[str, tuple[Use, ...]] = {
    "DEGREE": (q("topReferrers", "degree", "topReferrers(degree: VALUE) { signUps }"),),
    "TOP_LIMIT": (q("topReferrers", "limit", "topReferrers(degree: 1, limit: VALUE) { signUps }"),),
    "CASCADE_DEPTH": (
        q(
            "referralCascade",
            "maxDepth",
            f"referralCascade({ROOT}, maxDepth: VALUE) {{ total depth }}",
            "total",
        ),
        q(
            "cascadeStructure",
            "maxDepth",
            f"cascadeStructure({ROOT}, maxDepth: VALUE) {{ size depth truncated }}",
            "size",
        ),
        q(
            "largestCascades",
            "maxDepth",
            f"largestCascades({WINDOW}, maxDepth: VALUE) {{ signUps size }}",
        ),
        q(
            "sourcePerformance",
            "maxDepth",
            "sourcePerformance(kind: INFLUENCER, maxDepth: VALUE) { downlineSignUps }",
        ),
        q(
            "fraudSignals",
            "maxDepth",
            f"fraudSignals({ROOT}, maxDepth: VALUE) {{ downlineSize truncated }}",
            "downlineSize",
        ),
    ),
    "VIRAL_GROUPS": (
        q(
            "viralCoefficient",
            "limit",
            f"viralCoefficient({WINDOW}, groupBy: CAMPAIGN, limit: VALUE) {{ groups {{ key }} }}",
            "groups",
        ),
    ),
    "VIRAL_WITHIN": (
        q(
            "viralCoefficient",
            "within",
            f"viralCoefficient({WINDOW}, within: VALUE) {{ within total {{ inviteK }} }}",
            "total",
        ),
    ),
    "GENERATIONS": (
        q(
            "cascadeGenerations",
            "maxGeneration",
            f"cascadeGenerations({ROOT}, maxGeneration: VALUE) {{ generation size }}",
        ),
    ),
    "LARGEST_LIMIT": (
        q("largestCascades", "limit", f"largestCascades({WINDOW}, limit: VALUE) {{ signUps }}"),
    ),
    "LTV_DAYS": (
        q(
            "lifetimeValue",
            "withinDays",
            f"lifetimeValue({WINDOW}, withinDays: VALUE) {{ withinDays all {{ users }} }}",
            "withinDays",
        ),
    ),
    "RETENTION_PERIODS": (
        q(
            "cohortRetention",
            "periods",
            f"cohortRetention({WINDOW}, periods: VALUE) {{ interval cohorts {{ size }} }}",
            "interval",
        ),
    ),
    "FUNNEL_GROUPS": (
        q(
            "inviteFunnel",
            "limit",
            f"inviteFunnel({WINDOW}, groupBy: SOURCE, limit: VALUE) "
            "{ asOf groups { key steps { count } } }",
            "asOf",
        ),
    ),
    "SOURCE_LIMIT": (
        q(
            "sourcePerformance",
            "limit",
            "sourcePerformance(kind: INFLUENCER, limit: VALUE) { directSignUps }",
        ),
    ),
    **{
        name: (
            q(
                "fraudSignals",
                argument,
                f"fraudSignals({ROOT}, {argument}: VALUE) {{ downlineSize truncated }}",
                "downlineSize",
            ),
        )
        for name, argument in (
            ("FRAUD_USERS", "maxUsers"),
            ("BURST_WINDOW", "burstWindowMinutes"),
            ("BURST_MIN", "burstMinSignUps"),
            ("CAP", "cap"),
            ("SIGNAL_LIMIT", "limit"),
        )
    },
    **{
        name: (
            q(
                "velocityBursts",
                argument,
                f"velocityBursts({PERIOD}, {argument}: VALUE) {{ score }}",
            ),
        )
        for name, argument in (
            ("WINDOW_MINUTES", "windowMinutes"),
            ("MIN_SIGN_UPS", "minSignUps"),
            ("BURST_LIMIT", "limit"),
        )
    },
    "SUGGESTIONS": (
        q(
            "peopleYouMayKnow",
            "limit",
            'peopleYouMayKnow(userId: "c1", limit: VALUE) { user { id } }',
        ),
    ),
    "EVIDENCE": (
        q(
            "peopleYouMayKnow",
            "evidence",
            'peopleYouMayKnow(userId: "c1", evidence: VALUE) { sharedConnections { id } }',
        ),
    ),
    "SCORES_LIMIT": (
        q("topInfluence", "limit", "topInfluence(limit: VALUE) { influenceScore }"),
        q("communities", "limit", "communities(limit: VALUE) { id }"),
        q("weakNodes", "limit", "weakNodes(limit: VALUE) { weakNodeScore }"),
    ),
    "COMMUNITY_MEMBERS": (
        q("communities", "members", "communities(limit: 1, members: VALUE) { id }"),
    ),
    "INACTIVE_DAYS": (
        Use(
            "Mutation",
            "runNetworkAnalysis",
            "inactiveDays",
            "runNetworkAnalysis(inactiveDays: VALUE) { ... on RunNetworkAnalysisSuccess "
            "{ job { id inactiveDays } } ... on AnalysisRunningError { job { id inactiveDays } } }",
            "job",
            mutation=True,
        ),
    ),
    "LEDGER_PAGE": (
        q(
            "rewardLedger",
            "first",
            f'rewardLedger(runId: "{RUN_ID}", first: VALUE) {{ rewards {{ id }} endCursor }}',
            "rewards",
        ),
    ),
}

# Every list whose `first` is a page size bounded by the settings (GROWTHGRAPH_MAX_PAGE_SIZE).
PAGE_USES: tuple[Use, ...] = (
    *(
        q(
            name,
            "first",
            f"{name}(first: VALUE) {{ edges {{ cursor }} pageInfo {{ hasNextPage }} }}",
        )
        for name in ("users", "influencers", "partners", "campaigns")
    ),
    *(
        Use(
            kind,
            "referrals",
            "first",
            f'{kind.lower()}(id: "{parent}") {{ referrals(first: VALUE) {{ edges {{ cursor }} }} }}',
            "referrals",
        )
        for kind, parent in (("User", "x"), ("Influencer", "x"), ("Partner", "p1"))
    ),
    *(
        Use(
            "User",
            name,
            "first",
            f'user(id: "x") {{ {name}(first: VALUE) {{ edges {{ cursor }} }} }}',
            name,
        )
        for name in ("connections", "conversions", "rewards")
    ),
)


def bounds() -> dict[str, Bound]:
    """Every Bound defined in api.arguments, by its name there."""
    return {name: value for name, value in vars(arguments).items() if isinstance(value, Bound)}


def bound_cases() -> Iterator[Any]:
    for name, bound in bounds().items():
        for use in BOUND_USES.get(name, ()):
            yield pytest.param(bound, use, id=f"{name}-{use.field}.{use.argument}")


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(build_schema(Settings()).as_str())


def test_every_bound_is_used_by_a_known_field() -> None:
    unknown = sorted(set(bounds()) - {name for name, uses in BOUND_USES.items() if uses})
    assert not unknown, f"Bounds used by no known field (add them to BOUND_USES): {unknown}"
    assert not set(BOUND_USES) - set(bounds()), "BOUND_USES names a Bound that is gone"


def test_the_table_matches_the_schema() -> None:
    """Each mapped use is a real argument of that field, documented with that bound's range."""
    types = schema().type_map
    for name, bound in bounds().items():
        for use in BOUND_USES[name]:
            found = types[use.type]
            assert isinstance(found, graphql.GraphQLObjectType), use
            argument = found.fields[use.field].args[use.argument]
            assert argument.description == bound.description, (name, use)
            assert bound.name == use.argument, (name, use)


def test_the_schema_has_no_bound_that_the_table_does_not_know() -> None:
    described = {bound.description for bound in bounds().values()}
    mapped = {(u.type, u.field, u.argument) for uses in BOUND_USES.values() for u in uses}
    pages = {(u.type, u.field, u.argument) for u in PAGE_USES}
    bounded: set[tuple[str, str, str]] = set()
    paged: set[tuple[str, str, str]] = set()
    for type_name, found in schema().type_map.items():
        if type_name.startswith("__") or not isinstance(found, graphql.GraphQLObjectType):
            continue
        if type_name == "Subscription":
            # Checked over WebSocket by the same Bound objects: tests/api/test_live.py.
            continue
        for field_name, field in found.fields.items():
            for arg_name, argument in field.args.items():
                if argument.description in described:
                    bounded.add((type_name, field_name, arg_name))
                elif arg_name == "first":
                    paged.add((type_name, field_name, arg_name))
    assert bounded == mapped
    assert paged == pages


@pytest.fixture(scope="module")
async def run_id(db: Database) -> str:
    """The hand-built network with conversions, connections and a reward run, loaded once."""
    await delete_everything(db)
    data = handmade()
    data.conversions = [
        ConversionRow("k1", "c4", at(40), 10_000),
        ConversionRow("k2", "b0", at(42), 2_000),
    ]
    data.connections = [
        ConnectionRow("c1", "c2", at(50)),
        ConnectionRow("c2", "c3", at(50)),
        ConnectionRow("c2", "b1", at(50)),
        ConnectionRow("c3", "b2", at(50)),
    ]
    await load_dataset(db, data)
    made = await rewards.create_rule(
        db,
        id="r",
        name="r",
        levels=(rewards.Level(share_bps=1_000, fixed_cents=0),),
        referee_cents=100,
        cap_cents=None,
    )
    assert isinstance(made, Written)
    run = await rewards.run_rewards(
        db,
        rule_id="r",
        start=datetime(2024, 1, 1, tzinfo=UTC),
        end=datetime(2024, 2, 1, tzinfo=UTC),
        at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    assert isinstance(run, Written)
    return run.record.id


JOB = "query($id: ID) { networkAnalysis(id: $id) { status } }"


def _ask(api: Api, use: Use, value: int, run: str, *, inline: bool) -> dict[str, Any]:
    document = use.document(value if inline else None).replace(RUN_ID, run)
    return api.gql(document, None if inline else {"v": value})


def _accepted(api: Api, use: Use, value: int, run: str) -> None:
    for inline in (False, True):
        body = _ask(api, use, value, run, inline=inline)
        assert "errors" not in body, (value, inline, body)
        answer = body["data"][use.root]
        if use.answer is not None:
            # The field answered (not null): the value reached the code under test.
            assert answer is not None, (value, body)
            assert use.answer in answer, (value, body)
        if use.mutation:
            _wait_for_job(api, str(answer["job"]["id"]))


def _refused(api: Api, use: Use, value: int, run: str) -> None:
    for inline in (False, True):
        body = _ask(api, use, value, run, inline=inline)
        found = codes(body)
        assert found, (value, inline, body)
        assert set(found) == {"BAD_USER_INPUT"}, (value, inline, body)
        # Whatever the shape of `data`, the field has no answer.
        assert (body.get("data") or {}).get(use.root) is None, (value, inline, body)


def _wait_for_job(api: Api, job_id: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if api.data(JOB, {"id": job_id})["networkAnalysis"]["status"] != "RUNNING":
            return
        time.sleep(0.1)
    raise AssertionError("the network analysis did not finish")


@pytest.mark.parametrize(("bound", "use"), list(bound_cases()))
def test_both_sides_of_every_bound(api: Api, run_id: str, bound: Bound, use: Use) -> None:
    _accepted(api, use, bound.high, run_id)
    _accepted(api, use, bound.low, run_id)
    _refused(api, use, bound.high + 1, run_id)
    _refused(api, use, bound.low - 1, run_id)


@pytest.mark.parametrize("use", PAGE_USES, ids=lambda u: f"{u.type}.{u.field}")
def test_both_sides_of_every_page_size(api: Api, settings: Settings, run_id: str, use: Use) -> None:
    _accepted(api, use, settings.max_page_size, run_id)
    _accepted(api, use, 1, run_id)
    _refused(api, use, settings.max_page_size + 1, run_id)
    _refused(api, use, 0, run_id)


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_documented_limits_are_the_bounds() -> None:
    """The README's limits are the ranges enforced: a bound moved without the documentation (or
    the documentation without the bound) fails here, beside the schema's own descriptions."""
    text = " ".join(README.read_text().split())
    limits = text[text.index("Limits: ") :].split(". ", 1)[0]
    pages = re.search(r"pages of at most (\d+)", limits)
    top = re.search(r"`topReferrers\.limit` at most (\d+)", limits)
    degree = re.search(r"`degree` (\d+)\.\.(\d+)", limits)
    depth = re.search(r"`maxDepth` (\d+)\.\.(\d+)", limits)
    assert pages is not None, limits
    assert top is not None, limits
    assert degree is not None, limits
    assert depth is not None, limits
    assert int(pages.group(1)) == Settings().max_page_size
    assert int(top.group(1)) == arguments.TOP_LIMIT.high
    assert (int(degree.group(1)), int(degree.group(2))) == (
        arguments.DEGREE.low,
        arguments.DEGREE.high,
    )
    bound = arguments.CASCADE_DEPTH
    assert (int(depth.group(1)), int(depth.group(2))) == (bound.low, bound.high)
