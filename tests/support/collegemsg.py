"""CollegeMsg (SNAP) as a time-ordered referral forest.

The forest follows the rule in ``tests/data/college-msg/README.md`` exactly: a node's referrer
is the sender of the earliest message it received strictly before it first sent one (a node that
never sent counts as sending first at +infinity), and the referral happens at that message's time.
A node that sent before receiving anything is a root.

Sign-up times, chosen so that every referrer signed up strictly before the users it referred:

- a referred node signs up at its referral time, so ``REFERRED.at`` equals its ``signedUpAt``;
- a root signs up one second before its first message. A root's first activity is its first send,
  and that send is often itself a referral, which would give referrer and referee the same instant.
  Members must exist before they can message, so the second back is faithful as well as strict.

Referred nodes need no such shift: their referral message arrived strictly before their first
send, and no referral they make can precede their first send.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from growthgraph.loading.dataset import Dataset, UserRow
from tests.support.datasets import dataset_file

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

COLLEGEMSG_FILE = ("college-msg", "CollegeMsg.txt.gz")
REFERRAL_CHANNEL = "in-app"  # the referral was a private message inside the network
ROOT_LEAD_SECONDS = 1
_FIELDS = 3  # SRC DST UNIXTS


@dataclass(frozen=True, slots=True)
class Message:
    sender: int
    recipient: int
    at: int  # Unix seconds


@dataclass(frozen=True, slots=True)
class Referral:
    referrer: int
    referee: int
    at: int  # Unix seconds of the referring message


@dataclass(frozen=True, slots=True)
class CollegeMsgForest:
    nodes: tuple[int, ...]  # every node that sent or received a message, ascending
    referrals: tuple[Referral, ...]  # one per referred node, in (time, referee) order
    first_sent: Mapping[int, int]  # Unix seconds; nodes that never sent are absent
    first_received: Mapping[int, int]  # Unix seconds; nodes that never received are absent
    # Referred nodes whose earliest qualifying timestamp had two or more distinct senders; the
    # first such message in file order wins.
    tied_referrals: int


def collegemsg_user_id(node: int) -> str:
    return f"cm-{node}"


@cache
def collegemsg_messages() -> tuple[Message, ...]:
    """Every message of the file, in file order (which is time order)."""
    with gzip.open(dataset_file(*COLLEGEMSG_FILE), "rt", encoding="ascii") as lines:
        return tuple(_message(line) for line in lines)


def _message(line: str) -> Message:
    fields = line.split()
    if len(fields) != _FIELDS:
        message = f"CollegeMsg line is not 'SRC DST UNIXTS': {line!r}"
        raise ValueError(message)
    sender, recipient, at = (int(field) for field in fields)
    return Message(sender, recipient, at)


@cache
def collegemsg_forest() -> CollegeMsgForest:
    messages = collegemsg_messages()
    first_sent = _first_times((m.sender, m.at) for m in messages)
    best, tied = _earliest_referrals(messages, first_sent)
    return CollegeMsgForest(
        nodes=tuple(sorted({m.sender for m in messages} | {m.recipient for m in messages})),
        referrals=tuple(sorted(best.values(), key=lambda r: (r.at, r.referee))),
        first_sent=first_sent,
        first_received=_first_times((m.recipient, m.at) for m in messages),
        tied_referrals=len(tied),
    )


def _first_times(events: Iterable[tuple[int, int]]) -> dict[int, int]:
    first: dict[int, int] = {}
    for node, at in events:
        if node not in first or at < first[node]:
            first[node] = at
    return first


def _earliest_referrals(
    messages: Iterable[Message], first_sent: Mapping[int, int]
) -> tuple[dict[int, Referral], set[int]]:
    # Comparing timestamps rather than trusting file order keeps the rule right even if the file
    # were not sorted; only ties fall back to file order.
    best: dict[int, Referral] = {}
    tied: set[int] = set()
    for m in messages:
        if m.at >= first_sent.get(m.recipient, math.inf):
            continue
        current = best.get(m.recipient)
        if current is None or m.at < current.at:
            best[m.recipient] = Referral(m.sender, m.recipient, m.at)
            tied.discard(m.recipient)
        elif m.at == current.at and m.sender != current.referrer:
            tied.add(m.recipient)
    return best, tied


def signup_seconds(forest: CollegeMsgForest) -> dict[int, int]:
    """Each node's sign-up time in Unix seconds, by the rule in the module docstring."""
    referred = {r.referee: r.at for r in forest.referrals}
    return {node: referred.get(node, _root_signup(forest, node)) for node in forest.nodes}


def _root_signup(forest: CollegeMsgForest, node: int) -> int:
    # Only roots reach here with a meaning, and every root has sent (a node that never sent
    # takes its first received message as referral); the fallback keeps the function total.
    first = forest.first_sent.get(node, forest.first_received.get(node, 0))
    return first - ROOT_LEAD_SECONDS


def collegemsg_edges() -> list[tuple[str, str, datetime]]:
    """(referrer id, referee id, referral time) for every REFERRED edge, in time order."""
    return [
        (collegemsg_user_id(r.referrer), collegemsg_user_id(r.referee), _utc(r.at))
        for r in collegemsg_forest().referrals
    ]


def collegemsg_dataset() -> Dataset:
    """Users ``cm-<node>`` in sign-up order, so every referrer precedes the users it referred."""
    forest = collegemsg_forest()
    signups = signup_seconds(forest)
    referrers = {r.referee: r.referrer for r in forest.referrals}
    order = sorted(forest.nodes, key=lambda node: (signups[node], node))
    return Dataset(users=[_user_row(node, signups[node], referrers.get(node)) for node in order])


def _user_row(node: int, signed_up: int, referrer: int | None) -> UserRow:
    user_id = collegemsg_user_id(node)
    return UserRow(
        id=user_id,
        name=f"CollegeMsg member {node}",
        email=f"{user_id}@example.com",
        signed_up_at=_utc(signed_up),
        referrer_kind=None if referrer is None else "USER",
        referrer_id=None if referrer is None else collegemsg_user_id(referrer),
        channel=None if referrer is None else REFERRAL_CHANNEL,
    )


def _utc(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)
