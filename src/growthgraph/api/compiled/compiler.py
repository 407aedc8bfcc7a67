"""From a read operation to one Cypher statement per root field and the shapes of its answer.

What compiles: the root fields that read users, influencers, partners and campaigns by id or
as pages (``user``, ``users``, ``influencer``, ...), the leaderboard ``topReferrers`` without a
time window (from the stored counters, its degree written in the document), and below them the
entities' own fields, ``referredBy``, ``referral`` (with its ``referrer`` and ``campaign``),
``referrals`` at any depth, and the connections' ``edges``, ``nodes``, ``pageInfo`` and
``totalCount``, through aliases, inline fragments and fragment spreads, with ``__typename``
anywhere. Anything else (a field or an argument not listed here, a directive, a mutation) raises
:class:`NotCompiledError` and the operation runs on the general path.

Fields are collected as graphql-core collects them for execution (the same response keys in
the same order, fragments applied where their type condition matches the object's type), so
the compiled answer has the general path's keys and order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
)
from graphql.pyutils import Undefined

from growthgraph.api.arguments import DEGREE, TOP_LIMIT, check
from growthgraph.api.compiled import shapes
from growthgraph.api.compiled.shapes import ConnectionShape, ObjectShape, Part, ReferrerShape
from growthgraph.api.documents import Chosen
from growthgraph.api.enums import TO_KIND, ReferrerKind
from growthgraph.api.pagination import decode_cursor, page_size, plain_key
from growthgraph.graph import projection
from growthgraph.graph.labels import labels_in
from growthgraph.graph.projection import UnprojectableError


class NotCompiledError(Exception):
    """The operation asks for something the compiled path does not serve."""


@dataclass(frozen=True, slots=True)
class Leaf:
    prop: str  # the property, as graph.projection names it
    required: bool
    convert: shapes.Convert | None = None


_USER: dict[str, Leaf] = {
    "id": Leaf("id", True),
    "name": Leaf("name", True),
    "email": Leaf("email", True),
    "signedUpAt": Leaf("signedUpAt", True, shapes.instant),
    "country": Leaf("country", False),
    "plan": Leaf("plan", False),
    "channel": Leaf("channel", False),
    "campaignId": Leaf("campaignId", False),
}
_INFLUENCER: dict[str, Leaf] = {
    "id": Leaf("id", True),
    "handle": Leaf("handle", True),
    "platform": Leaf("platform", True),
    "followers": Leaf("followers", True, shapes.int32),
    "engagementRate": Leaf("engagementRate", True),
    "costCents": Leaf("costCents", False, shapes.int32),
}
_PARTNER: dict[str, Leaf] = {
    "id": Leaf("id", True),
    "name": Leaf("name", True),
    "partnerKind": Leaf("kind", True, shapes.partner_kind),
    "costCents": Leaf("costCents", False, shapes.int32),
}
_CAMPAIGN: dict[str, Leaf] = {
    "id": Leaf("id", True),
    "name": Leaf("name", True),
    "utmSource": Leaf("utmSource", False),
    "utmMedium": Leaf("utmMedium", False),
    "utmCampaign": Leaf("utmCampaign", False),
}
_REFERRAL: dict[str, Leaf] = {
    "at": Leaf("at", True, shapes.instant),
    "channel": Leaf("channel", False),
    "campaignId": Leaf("campaignId", False),
}
# The leaves of each object type, and the label its values are read from.
LEAVES: dict[str, tuple[str, dict[str, Leaf]]] = {
    "User": ("User", _USER),
    "Influencer": ("Influencer", _INFLUENCER),
    "Partner": ("Partner", _PARTNER),
    "Campaign": ("Campaign", _CAMPAIGN),
    "Referral": ("REFERRED", _REFERRAL),
}
REFERRERS: dict[str, str] = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}
# Root fields: by id, and pages (their connection's node type).
ONE: dict[str, str] = {
    "user": "User",
    "influencer": "Influencer",
    "partner": "Partner",
    "campaign": "Campaign",
}
PAGES: dict[str, str] = {
    "users": "User",
    "influencers": "Influencer",
    "partners": "Partner",
    "campaigns": "Campaign",
}
PAGE_ARGUMENTS = frozenset({"first", "after"})
# The leaderboard compiles without a window (``since``/``until`` take the general path).
TOP_ARGUMENTS = frozenset({"degree", "limit", "kinds"})

# Fills a statement's parameters from one field's argument values.
Fill = Callable[[dict[str, Any], dict[str, object], "Limits"], None]


@dataclass(frozen=True, slots=True)
class Limits:
    """The server's page sizes."""

    default: int
    maximum: int
    counters: bool = True  # the leaderboard reads the stored counters (else: the general path)


@dataclass(frozen=True, slots=True)
class Site:
    """A field whose arguments fill parameters of the statement."""

    definition: GraphQLField
    node: FieldNode
    fill: Fill


@dataclass(frozen=True, slots=True)
class RootPlan:
    key: str
    nodes: tuple[FieldNode, ...]  # the field's nodes in the document (an error's locations)
    statement: LiteralString | None  # None: a constant (``__typename``)
    constant: str | None
    many: bool  # a page (always one row) rather than an entity by id (a row or none)
    sites: tuple[Site, ...]
    shape: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Plan:
    roots: tuple[RootPlan, ...]


def compile_operation(schema: GraphQLSchema, chosen: Chosen) -> Plan:
    """The plan of a validated operation; :class:`NotCompiledError` when it does not compile."""
    operation = chosen.operation
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise NotCompiledError("only queries without directives")
    query = schema.query_type
    assert query is not None
    collector = Collector(schema, chosen.fragments)
    roots: list[RootPlan] = []
    for key, nodes in collector.fields("Query", [operation.selection_set]).items():
        name = nodes[0].name.value
        if name == "__typename":
            roots.append(RootPlan(key, tuple(nodes), None, "Query", False, (), _same))
            continue
        definition = query.fields.get(name)
        if definition is None:
            raise NotCompiledError(name)
        try:
            roots.append(Statement(collector).root(key, name, definition, nodes))
        except UnprojectableError as error:
            raise NotCompiledError(str(error)) from error
    return Plan(tuple(roots))


def _same(value: Any) -> Any:
    return value


class Collector:
    """graphql-core's field collection, for one object type at a time; directives refused."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments

    def fields(
        self, type_name: str, selection_sets: Sequence[SelectionSetNode | None]
    ) -> dict[str, list[FieldNode]]:
        found: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect(type_name, selection_set, found, visited)
        return found

    def sub_fields(self, type_name: str, nodes: Sequence[FieldNode]) -> dict[str, list[FieldNode]]:
        return self.fields(type_name, [node.selection_set for node in nodes])

    def _collect(
        self,
        type_name: str,
        selection_set: SelectionSetNode | None,
        found: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            if node.directives:
                raise NotCompiledError("directives")
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                found.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                if condition is None or self._applies(condition.name.value, type_name):
                    self._collect(type_name, node.selection_set, found, visited)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                if name in visited:
                    continue
                visited.add(name)
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise NotCompiledError(f"fragment {name}")
                if self._applies(fragment.type_condition.name.value, type_name):
                    self._collect(type_name, fragment.selection_set, found, visited)

    def _applies(self, condition: str, type_name: str) -> bool:
        if condition == type_name:
            return True
        conditional = self.schema.get_type(condition)
        runtime = self.schema.get_type(type_name)
        if conditional is None or runtime is None or not is_abstract_type(conditional):
            return False
        return self.schema.is_sub_type(conditional, runtime)  # pyright: ignore[reportArgumentType]


def _arguments(definition: GraphQLField, nodes: Sequence[FieldNode], known: frozenset[str]) -> None:
    """Refuse a field given an argument the compiled path does not know, or whose schema has
    an argument that changes the answer even when omitted (a default other than null)."""
    for given in nodes[0].arguments or ():
        if given.name.value not in known:
            raise NotCompiledError(f"argument {given.name.value}")
    for name, argument in definition.args.items():
        if name not in known and argument.default_value not in (None, Undefined):
            raise NotCompiledError(f"argument {name} has a default")


class Statement:
    """Builds one root field's statement: hands out variables and parameters (from
    ``projection.SLOTS``), and collects the fields whose arguments fill them."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.schema = collector.schema
        self.used = 0
        self.sites: list[Site] = []

    def slot(self) -> LiteralString:
        name = projection.slot(self.used)
        self.used += 1
        return name

    def field(self, type_name: str, name: str) -> GraphQLField:
        parent = self.schema.get_type(type_name)
        fields = getattr(parent, "fields", None)
        definition = None if fields is None else fields.get(name)
        if definition is None:
            raise NotCompiledError(f"{type_name}.{name}")
        return definition  # type: ignore[no-any-return]

    def root(
        self, key: str, name: str, definition: GraphQLField, nodes: list[FieldNode]
    ) -> RootPlan:
        if name in ONE:
            type_name = ONE[name]
            _arguments(definition, nodes, frozenset({"id"}))
            var = self.slot()
            value, entity = self.entity(type_name, var, nodes, nullable=True)
            self.sites.append(Site(definition, nodes[0], _fill_id))
            statement = projection.one(type_name, var, value)
            sites = tuple(self.sites)
            return RootPlan(key, tuple(nodes), statement, None, False, sites, _first_row(entity))
        if name in PAGES:
            type_name = PAGES[name]
            _arguments(definition, nodes, PAGE_ARGUMENTS)
            var, param = self.slot(), self.slot()
            value, connection, counted = self.connection(type_name, var, nodes, list_name=name)
            self.sites.append(Site(definition, nodes[0], _fill_page(param, name)))
            statement = projection.page(type_name, var, param, value, counted=counted)
            sites = tuple(self.sites)
            return RootPlan(key, tuple(nodes), statement, None, True, sites, _only_row(connection))
        if name == "topReferrers":
            _arguments(definition, nodes, TOP_ARGUMENTS)
            degree = _literal_int(nodes[0], "degree")
            value, ranked = self.ranked(nodes)
            self.sites.append(Site(definition, nodes[0], _fill_top(degree)))
            statement = projection.top_referrers(degree, value)
            sites = tuple(self.sites)
            return RootPlan(key, tuple(nodes), statement, None, True, sites, _each_row(ranked))
        raise NotCompiledError(name)

    def ranked(self, nodes: Sequence[FieldNode]) -> tuple[LiteralString, ObjectShape]:
        """The items of a leaderboard row (``ReferrerSignUps``): its referrer and count."""
        items: list[LiteralString] = []
        keys: list[str] = []
        convert: list[tuple[int, str, shapes.Convert]] = []
        required: list[int] = []
        for key, field_nodes in self.collector.sub_fields("ReferrerSignUps", nodes).items():
            name = field_nodes[0].name.value
            index = len(items)
            keys.append(key)
            if name == "__typename":
                items.append(projection.literal("ReferrerSignUps"))
                continue
            _arguments(self.field("ReferrerSignUps", name), field_nodes, frozenset())
            if name == "signUps":
                items.append("signUps")
                required.append(index)
                convert.append((index, key, shapes.int32))
            elif name == "referrer":
                value, referrer = self.referrer(projection.TOP_VAR, field_nodes, nullable=False)
                items.append(value)
                convert.append((index, key, referrer))
            else:
                raise NotCompiledError(f"ReferrerSignUps.{name}")
        return projection.items(items), ObjectShape(
            tuple(keys), tuple(convert), tuple(required), False
        )

    def entity(
        self, type_name: str, var: LiteralString, nodes: Sequence[FieldNode], *, nullable: bool
    ) -> tuple[LiteralString, ObjectShape]:
        """The items of an object of ``type_name`` held by ``var`` (an edge for a Referral)."""
        if type_name not in LEAVES:
            raise NotCompiledError(type_name)
        label, leaves = LEAVES[type_name]
        items: list[LiteralString] = []
        keys: list[str] = []
        convert: list[tuple[int, str, shapes.Convert]] = []
        required: list[int] = []
        for key, field_nodes in self.collector.sub_fields(type_name, nodes).items():
            name = field_nodes[0].name.value
            index = len(items)
            keys.append(key)
            if name == "__typename":
                items.append(projection.literal(type_name))
                continue
            definition = self.field(type_name, name)
            if name in leaves:
                _arguments(definition, field_nodes, frozenset())
                leaf = leaves[name]
                items.append(projection.prop(label, leaf.prop, var))
                if leaf.required:
                    required.append(index)
                if leaf.convert is not None:
                    convert.append((index, key, leaf.convert))
            elif name == "kind" and type_name in REFERRERS:
                items.append(projection.literal(REFERRERS[type_name]))
            else:
                value, nested = self.nested(type_name, label, var, definition, field_nodes)
                items.append(value)
                convert.append((index, key, nested))
        shape = ObjectShape(tuple(keys), tuple(convert), tuple(required), nullable)
        return projection.items(items), shape

    def nested(
        self,
        type_name: str,
        label: str,
        var: LiteralString,
        definition: GraphQLField,
        nodes: list[FieldNode],
    ) -> tuple[LiteralString, shapes.Convert]:
        """A field of ``type_name`` (held by ``var``) whose value is an object or a page."""
        name = nodes[0].name.value
        _arguments(definition, nodes, PAGE_ARGUMENTS if name == "referrals" else frozenset())
        if name == "referredBy" and type_name == "User":
            parent = self.slot()
            value, referrer = self.referrer(parent, nodes, nullable=True)
            return projection.referred_by(var, parent, value), referrer
        if name == "referral" and type_name == "User":
            parent, edge = self.slot(), self.slot()
            value, referral = self.referral(parent, edge, nodes)
            return projection.referral(var, parent, edge, value), referral
        if name == "referrer" and type_name == "Referral":
            # The node the edge comes from: held by the variable referral() named for it.
            return self.referrer(self.referral_parent, nodes, nullable=False)
        if name == "campaign" and type_name == "Referral":
            target = self.slot()
            value, campaign = self.entity("Campaign", target, nodes, nullable=True)
            campaign_id = projection.prop(label, "campaignId", var)
            return projection.campaign(campaign_id, target, value), campaign
        if name == "referrals" and type_name in REFERRERS:
            child, param = self.slot(), self.slot()
            value, page, counted = self.connection("User", child, nodes, "referrals")
            self.sites.append(Site(definition, nodes[0], _fill_page(param, "referrals")))
            return projection.referrals(var, child, param, value, counted=counted), page
        raise NotCompiledError(f"{type_name}.{name}")

    referral_parent: LiteralString = "x0"

    def referral(
        self, parent: LiteralString, edge: LiteralString, nodes: Sequence[FieldNode]
    ) -> tuple[LiteralString, ObjectShape]:
        outer = self.referral_parent
        self.referral_parent = parent
        try:
            return self.entity("Referral", edge, nodes, nullable=True)
        finally:
            self.referral_parent = outer

    def referrer(
        self, var: LiteralString, nodes: Sequence[FieldNode], *, nullable: bool
    ) -> tuple[LiteralString, ReferrerShape]:
        by_label: dict[str, LiteralString] = {}
        shaped: dict[str, ObjectShape] = {}
        for type_name in REFERRERS:
            by_label[type_name], shaped[type_name] = self.entity(
                type_name, var, nodes, nullable=False
            )
        return projection.referrer(var, by_label), ReferrerShape(shaped, nullable)

    def connection(
        self, node_type: str, var: LiteralString, nodes: Sequence[FieldNode], list_name: str
    ) -> tuple[LiteralString, ConnectionShape, bool]:
        """A page of ``node_type``: the items of each row, the page's shape, and whether its
        whole count is asked for."""
        page = Page(self, node_type, var)
        parts: list[Part] = []
        for key, field_nodes in self.collector.sub_fields(page.connection_type, nodes).items():
            parts.append(page.part(key, field_nodes))
        shape = ConnectionShape(
            tuple(parts), tuple(page.node_shapes), list_name, page.cursors, page.end_cursor
        )
        return projection.items(page.node_values), shape, page.counted


class Page:
    """The parts of one connection's selection, and the node selections its rows carry."""

    def __init__(self, statement: Statement, node_type: str, var: LiteralString) -> None:
        self.statement = statement
        self.node_type = node_type
        self.var: LiteralString = var
        self.connection_type = node_type + "Connection"
        self.edge_type = node_type + "Edge"
        self.node_values: list[LiteralString] = []
        self.node_shapes: list[ObjectShape] = []
        self.counted = False
        self.cursors = False
        self.end_cursor = False

    def part(self, key: str, nodes: list[FieldNode]) -> Part:
        name = nodes[0].name.value
        if name == "__typename":
            return Part(key, shapes.CONSTANT, self.connection_type)
        self.statement.field(self.connection_type, name)
        if name == "edges":
            sub = self.statement.collector.sub_fields(self.edge_type, nodes)
            return Part(key, shapes.EDGES, parts=tuple(self.edge(k, n) for k, n in sub.items()))
        if name == "nodes":
            return Part(key, shapes.NODES, node=self.node(nodes))
        if name == "pageInfo":
            sub = self.statement.collector.sub_fields("PageInfo", nodes)
            return Part(key, shapes.PAGE_INFO, parts=tuple(self.info(k, n) for k, n in sub.items()))
        if name == "totalCount":
            self.counted = True
            return Part(key, shapes.TOTAL_COUNT)
        raise NotCompiledError(f"{self.connection_type}.{name}")

    def edge(self, key: str, nodes: list[FieldNode]) -> Part:
        name = nodes[0].name.value
        if name == "__typename":
            return Part(key, shapes.CONSTANT, self.edge_type)
        if name == "cursor":
            self.cursors = True
            return Part(key, shapes.CURSOR)
        if name == "node":
            return Part(key, shapes.NODE, node=self.node(nodes))
        raise NotCompiledError(f"{self.edge_type}.{name}")

    def info(self, key: str, nodes: list[FieldNode]) -> Part:
        name = nodes[0].name.value
        if name == "__typename":
            return Part(key, shapes.CONSTANT, "PageInfo")
        if name == "hasNextPage":
            return Part(key, shapes.HAS_NEXT)
        if name == "endCursor":
            self.end_cursor = True
            return Part(key, shapes.END_CURSOR)
        raise NotCompiledError(f"PageInfo.{name}")

    def node(self, nodes: list[FieldNode]) -> int:
        """The index of a node selection's items in each row."""
        value, shape = self.statement.entity(self.node_type, self.var, nodes, nullable=False)
        self.node_values.append(value)
        self.node_shapes.append(shape)
        return len(self.node_values) - 1


def _fill_id(values: dict[str, Any], params: dict[str, object], limits: Limits) -> None:
    params["id"] = str(values["id"])


def _fill_page(param: LiteralString, list_name: str) -> Fill:
    def fill(values: dict[str, Any], params: dict[str, object], limits: Limits) -> None:
        first = page_size(values.get("first"), default=limits.default, maximum=limits.maximum)
        # A cursor of the same list under another order or filter is refused, as on the
        # general path: its key is not an id.
        after = plain_key(decode_cursor(values.get("after"), list_name), list_name)
        params[param + "a"] = after or ""
        params[param + "f"] = first
        params[param + "l"] = first + 1

    return fill


def _literal_int(node: FieldNode, name: str) -> int:
    """An argument written in the document as an integer (a variable does not compile: the
    statement depends on its value)."""
    for given in node.arguments or ():
        if given.name.value == name and isinstance(given.value, IntValueNode):
            return int(given.value.value)
    raise NotCompiledError(f"argument {name} is not an integer literal")


def _fill_top(degree: int) -> Fill:
    def fill(values: dict[str, Any], params: dict[str, object], limits: Limits) -> None:
        if not limits.counters:
            raise shapes.FallbackError("the leaderboard is counted along the edges")
        check((DEGREE, degree), (TOP_LIMIT, values["limit"]))
        kinds: list[ReferrerKind] | None = values.get("kinds")
        wanted = list(ReferrerKind) if kinds is None else list(dict.fromkeys(kinds))
        params["labels"] = labels_in([TO_KIND[kind] for kind in wanted])
        params["limit"] = values["limit"]

    return fill


def _each_row(shape: ObjectShape) -> Callable[[Any], Any]:
    def answer(rows: list[Any]) -> Any:
        return [shape(row) for row in rows]

    return answer


def _first_row(shape: ObjectShape) -> Callable[[Any], Any]:
    def answer(rows: list[Any]) -> Any:
        return shape(rows[0]) if rows else None

    return answer


def _only_row(shape: ConnectionShape) -> Callable[[Any], Any]:
    def answer(rows: list[Any]) -> Any:
        return shape(rows[0])

    return answer
