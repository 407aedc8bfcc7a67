"""The graph's vocabulary, written once: the node labels, the kinds of referrer, how the import
files spell them, and the Cypher fragments that name a node's kind.

Labels cannot be Cypher parameters, so statements that vary by label are made from a template
here, with labels taken from these fixed tables and never from input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Literal, LiteralString, TypeVar

K = TypeVar("K")


class Kind(StrEnum):
    """What can refer a user. The value is the node label."""

    USER = "User"
    INFLUENCER = "Influencer"
    PARTNER = "Partner"


# The referrer kinds as the import files and the GraphQL enum spell them.
ReferrerKindName = Literal["USER", "INFLUENCER", "PARTNER"]
# The labels of the nodes a caller names by id.
EntityLabel = Literal["User", "Influencer", "Partner", "Campaign"]

REFERRER_LABELS: dict[Kind, LiteralString] = {
    Kind.USER: "User",
    Kind.INFLUENCER: "Influencer",
    Kind.PARTNER: "Partner",
}
KIND_NAMES: dict[ReferrerKindName, Kind] = {
    "USER": Kind.USER,
    "INFLUENCER": Kind.INFLUENCER,
    "PARTNER": Kind.PARTNER,
}
# Referrer labels in the order every listing uses; the sources are the referrers that are not
# users.
REFERRER_LABEL_LIST: tuple[LiteralString, ...] = tuple(REFERRER_LABELS.values())
SOURCE_LABELS: tuple[LiteralString, ...] = (
    REFERRER_LABELS[Kind.INFLUENCER],
    REFERRER_LABELS[Kind.PARTNER],
)
NAME_LABELS: dict[ReferrerKindName, LiteralString] = {
    name: REFERRER_LABELS[kind] for name, kind in KIND_NAMES.items()
}
ENTITY_LABELS: dict[EntityLabel, LiteralString] = {
    "User": "User",
    "Influencer": "Influencer",
    "Partner": "Partner",
    "Campaign": "Campaign",
}
# What a cost is spent on, as the GraphQL enum and the import files spell it, and its label.
CostSourceName = Literal["INFLUENCER", "PARTNER", "CAMPAIGN"]
COST_SOURCE_LABELS: dict[CostSourceName, LiteralString] = {
    "INFLUENCER": "Influencer",
    "PARTNER": "Partner",
    "CAMPAIGN": "Campaign",
}
LABEL_PLACEHOLDER: LiteralString = "$LABEL"


def per_label(labels: Mapping[K, LiteralString], template: LiteralString) -> dict[K, LiteralString]:
    """One statement per label: ``$LABEL`` in ``template`` replaced by each fixed label."""
    return {key: template.replace(LABEL_PLACEHOLDER, label) for key, label in labels.items()}


def label_of(node: LiteralString) -> LiteralString:
    """Cypher naming the label of the referrer ``node``: 'User', 'Influencer' or 'Partner'."""
    return (
        "CASE WHEN " + node + ":User THEN 'User' WHEN " + node + ":Influencer THEN 'Influencer' "
        "ELSE 'Partner' END"
    )


def label_or_null(node: LiteralString) -> LiteralString:
    """Like ``label_of``, and null when ``node`` is null (an OPTIONAL MATCH found nothing)."""
    return "CASE WHEN " + node + " IS NULL THEN null ELSE " + label_of(node) + " END"


def kind_name_of(node: LiteralString) -> LiteralString:
    """Cypher naming the kind of the referrer ``node`` as the files spell it: 'USER', ..."""
    return (
        "CASE WHEN " + node + ":User THEN 'USER' WHEN " + node + ":Influencer THEN 'INFLUENCER' "
        "ELSE 'PARTNER' END"
    )


def labels_in(kinds: Iterable[Kind]) -> list[str]:
    """The labels of ``kinds``, as a list parameter (``WHERE any(l IN labels(n) ...)``)."""
    return [REFERRER_LABELS[kind] for kind in kinds]
