"""Every bounded argument, defined once: its name, its range, the description the schema shows,
and the check that refuses a value outside the range with ``BAD_USER_INPUT`` before the database
is touched. A resolver declares ``limit: Annotated[int, TOP_LIMIT.argument()] = 10`` and calls
``TOP_LIMIT.check(limit)``, so the documented range and the enforced one cannot drift apart.

:func:`check_arguments` applies the same checks to a whole operation before it runs: every
``Bound`` (found through the argument's metadata), every page size (``first`` without a bound of
its own) and every cursor (``after``, bound to its list). A refused argument therefore gives
``data: null`` and one ``BAD_USER_INPUT`` error whichever field it belongs to, and nothing
reaches the database. (Time windows, whose rules differ by field, are checked by their
resolvers.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import VariableValues

from growthgraph.api.documents import Chosen, field_of, fragment_order
from growthgraph.api.pagination import CURSOR_ARGUMENT, PAGE_SIZE_ARGUMENT, decode_cursor, page_size
from growthgraph.errors import BadUserInputError
from growthgraph.graph import (
    cascades,
    fraud,
    funnel,
    growth,
    money,
    network,
    referrals,
    retention,
    rewards,
    sources,
    structure_reads,
)

_RANGE = "{what}, {low} to {high}."
# The key under which an argument's metadata holds its Bound.
BOUND = "growthgraph.bound"
# Strawberry's graphql-core arguments point back at their Strawberry definition under this key.
_DEFINITION = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class Bound:
    """An integer argument that must lie in ``[low, high]``."""

    name: str  # as the schema spells it
    low: int
    high: int
    what: str  # the description; ``{low}`` and ``{high}`` are filled in
    template: str = _RANGE

    @property
    def description(self) -> str:
        return self.template.replace("{what}", self.what).format(low=self.low, high=self.high)

    def argument(self, **more: Any) -> Any:
        """The ``strawberry.argument`` that documents this bound (``name=`` and the like pass
        through)."""
        return strawberry.argument(description=self.description, metadata={BOUND: self}, **more)

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise BadUserInputError(f"`{self.name}` must be between {self.low} and {self.high}")
        return value


def check(*pairs: tuple[Bound, int]) -> None:
    """Check several arguments in their declared order; the first violation is reported."""
    for bound, value in pairs:
        bound.check(value)


def bound_of(argument: GraphQLArgument) -> Bound | None:
    """The Bound declared on a schema argument (``Bound.argument()``), if any."""
    definition = (argument.extensions or {}).get(_DEFINITION)
    found = getattr(definition, "metadata", {}).get(BOUND)
    return found if isinstance(found, Bound) else None


@dataclass(frozen=True, slots=True)
class Pages:
    """The page-size bounds of the lists (the server's settings)."""

    default: int
    maximum: int


Site = tuple[FieldNode, GraphQLField]
"""A field of the operation that takes arguments, with its definition."""


def argument_sites(schema: GraphQLSchema, chosen: Chosen) -> list[Site]:
    """Every field node of the operation and of the fragments it spreads that takes arguments,
    each once (a fragment's fields have the same parent type and the same arguments wherever it
    is spread), in the order :func:`check_arguments` checks them. Depends on the document only:
    a request checks the sites with its own variables (:func:`check_sites`)."""
    roots: list[tuple[GraphQLNamedType | None, SelectionSetNode | None]] = [
        (schema.get_root_type(chosen.operation.operation), chosen.operation.selection_set)
    ]
    for name in fragment_order([chosen.operation.selection_set], chosen.fragments):
        fragment = chosen.fragments[name]
        roots.append((schema.get_type(fragment.type_condition.name.value), fragment.selection_set))
    sites: list[Site] = []
    pending = roots
    while pending:
        parent, selection_set = pending.pop()
        if selection_set is None:
            continue
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                definition = field_of(parent, node.name.value)
                if definition is None:
                    continue
                if definition.args:
                    sites.append((node, definition))
                child = get_named_type(definition.type)  # pyright: ignore[reportUnknownArgumentType]  graphql-core types GraphQLList generically
                pending.append((child, node.selection_set))
            elif isinstance(node, InlineFragmentNode):
                target = parent
                if node.type_condition is not None:
                    target = schema.get_type(node.type_condition.name.value)
                pending.append((target, node.selection_set))
    return sites


def check_sites(sites: list[Site], variables: VariableValues, pages: Pages) -> None:
    """Check the arguments of ``sites`` with the request's variables; raise
    ``BadUserInputError`` on the first violation."""
    for node, definition in sites:
        _check_field(node, definition, variables, pages)


def check_arguments(
    schema: GraphQLSchema, chosen: Chosen, variables: VariableValues, pages: Pages
) -> None:
    """Check every bounded argument of the operation, before it runs, as the resolvers would;
    raise ``BadUserInputError`` on the first violation."""
    check_sites(argument_sites(schema, chosen), variables, pages)


def _check_field(
    node: FieldNode, definition: GraphQLField, variables: VariableValues, pages: Pages
) -> None:
    try:
        values: dict[str, Any] = get_argument_values(definition, node, variables)
    except GraphQLError:
        return  # not a range problem: execution reports it with its own code
    for name, argument in definition.args.items():
        value = values.get(name)
        bound = bound_of(argument)
        if bound is not None:
            if isinstance(value, int) and not isinstance(value, bool):
                bound.check(value)
        elif name == PAGE_SIZE_ARGUMENT and (value is None or isinstance(value, int)):
            page_size(value, default=pages.default, maximum=pages.maximum)
        elif name == CURSOR_ARGUMENT and (value is None or isinstance(value, str)):
            decode_cursor(value, node.name.value)


# referrals
DEGREE = Bound(
    "degree",
    1,
    referrals.MAX_DEGREE,
    "How many REFERRED hops below the referrer a sign-up must be: 1 counts direct referrals, "
    "2 second-degree sign-ups (the referrals of its referrals), up to {high}.",
    template="{what}",
)
TOP_LIMIT = Bound("limit", 1, 100, "How many referrers to return")
# One depth bound for every cascade field (referralCascade, cascadeStructure, largestCascades,
# sourcePerformance, fraudSignals); each defaults to referrals.DEFAULT_CASCADE_DEPTH.
CASCADE_DEPTH = Bound(
    "maxDepth",
    1,
    referrals.MAX_CASCADE_DEPTH,
    "How many levels below the root to follow (the cascade counts the users on those levels, "
    "the root not counted)",
    template=_RANGE.replace(".", f"; {referrals.DEFAULT_CASCADE_DEPTH} when omitted."),
)

# growth and cascades
VIRAL_GROUPS = Bound("limit", 1, growth.MAX_GROUPS, "At most this many groups")
VIRAL_WITHIN = Bound(
    "within",
    1,
    growth.MAX_WITHIN_DAYS,
    "Conversion window in days: only invites accepted, and referees who signed up, less than "
    "this many days after the invite was sent (after the member's sign-up, for referees) count, "
    "so older and newer cohorts are compared over the same time",
    template="{what}; {low} to {high}. Omitted: every conversion to date counts.",
)
GENERATIONS = Bound("maxGeneration", 1, cascades.MAX_GENERATIONS, "The last generation to report")
LARGEST_LIMIT = Bound("limit", 1, cascades.MAX_LARGEST, "How many cascades")

# money
LTV_DAYS = Bound("withinDays", 1, money.MAX_DAYS, "Days after sign-up that count")

# retention and funnels
RETENTION_PERIODS = Bound(
    "periods", 1, retention.MAX_PERIODS, "How many periods after the sign-up period to report"
)
FUNNEL_GROUPS = Bound("limit", 1, funnel.MAX_GROUPS, "At most this many groups")

# sources
SOURCE_LIMIT = Bound("limit", 1, sources.MAX_LIMIT, "How many sources")

# fraud
MAX_LIST = 100
MAX_WINDOW_MINUTES = 60 * 24 * 31
FRAUD_USERS = Bound(
    "maxUsers",
    1,
    fraud.MAX_USERS,
    "Most users to examine",
    template="{what}, {low} to {high} (earliest sign-ups first).",
)
BURST_WINDOW = Bound(
    "burstWindowMinutes", 1, MAX_WINDOW_MINUTES, "Length of a velocity window in minutes"
)
BURST_MIN = Bound(
    "burstMinSignUps",
    2,
    10_000,
    "Direct sign-ups under one referrer within one window that make a burst",
)
CAP = Bound("cap", 1, 100_000, "Most direct referrals one referrer may bring per period")
SIGNAL_LIMIT = Bound("limit", 1, MAX_LIST, "Most entries per signal list")
WINDOW_MINUTES = Bound(
    "windowMinutes", 1, MAX_WINDOW_MINUTES, "Length of a velocity window in minutes"
)
MIN_SIGN_UPS = Bound(
    "minSignUps",
    2,
    10_000,
    "Direct sign-ups under one referrer within one window that make a burst",
)
BURST_LIMIT = Bound("limit", 1, MAX_LIST, "Most bursts to return")

# network
SUGGESTIONS = Bound("limit", 1, network.MAX_SUGGESTIONS, "How many suggestions to return")
EVIDENCE = Bound(
    "evidence", 1, network.MAX_EVIDENCE, "How many shared connections to list per suggestion"
)

# structure
SCORES_LIMIT = Bound("limit", 1, structure_reads.MAX_LIMIT, "How many entries to return")
COMMUNITY_MEMBERS = Bound(
    "members", 1, structure_reads.MAX_MEMBERS, "How many top users to list per community"
)
INACTIVE_DAYS = Bound(
    "inactiveDays",
    1,
    3650,
    "Days without activity after which a user counts as inactive",
    template="{what}, {low} to {high}; the server's setting (30 unless configured) when omitted.",
)

# rewards
LEDGER_PAGE = Bound("first", 1, rewards.MAX_LEDGER_PAGE, "Page size")
