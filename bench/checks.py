"""Before measuring: do growthgraph, @neo4j/graphql (both forms) and the one-statement baseline
give the same answer to every sampled request? A benchmark of different work means nothing.

Requests 0..N-1 of each operation's sequence (the first requests of every measured run) are sent
to every target and the answers, reduced to one comparable form (ids, names, referrers and their
kinds, counts, in order), are compared in full.
"""

from __future__ import annotations

import json
import time
from typing import Any

import neo4j

from benchenv import BenchSettings, progress
from loadgen import HttpClient
from workloads import (
    OPERATIONS,
    Sequences,
    baseline_answer,
    baseline_rows,
    gg_answer,
    growthgraph_body,
    neo4j_graphql_body,
    ng_answer,
)

# The @cypher sort scans every node per request: sampled for at most this long (at least once).
FIRST_FORM_BUDGET_S = 30.0


async def _graphql(client: HttpClient, body: bytes) -> dict[str, Any]:
    status, content = await client.post(body)
    answer = json.loads(content)
    if status != 200 or answer.get("errors") or not answer.get("data"):
        raise ValueError(f"HTTP {status}: {content[:300]!r}")
    return dict(answer["data"])


def _norm(value: Any) -> Any:
    return json.loads(json.dumps(value))


async def check_equivalence(
    settings: BenchSettings,
    driver: neo4j.AsyncDriver,
    seq: Sequences,
    gg_url: str,
    ng_url: str,
    gg_headers: dict[str, str],
) -> dict[str, Any]:
    """Every sampled request of each operation: the same answer from all targets."""
    out: dict[str, Any] = {}
    gg = HttpClient(gg_url, 1, gg_headers)
    ng = HttpClient(ng_url, 1)
    try:
        for op in OPERATIONS:
            progress(f"checking answers of ({op}) on {settings.samples} requests")
            mismatches: list[str] = []
            compared: dict[str, int] = {}
            first_started = time.perf_counter()
            for index in range(settings.samples):
                mine = _norm(gg_answer(op, await _graphql(gg, growthgraph_body(op, seq)(index))))
                others: dict[str, Any] = {}
                rows = await baseline_rows(driver, settings.neo4j_database, op, seq, index)
                others["baseline"] = _norm(baseline_answer(op, rows))
                if op == "c":
                    body = neo4j_graphql_body("c-best", seq)(index)
                    others["neo4j-graphql-best"] = _norm(
                        ng_answer("c-best", await _graphql(ng, body))
                    )
                    if index == 0 or time.perf_counter() - first_started < FIRST_FORM_BUDGET_S:
                        body = neo4j_graphql_body("c-first", seq)(index)
                        answer = ng_answer("c-first", await _graphql(ng, body))
                        others["neo4j-graphql-first"] = _norm(answer)
                else:
                    body = neo4j_graphql_body(op, seq)(index)
                    others["neo4j-graphql"] = _norm(ng_answer(op, await _graphql(ng, body)))
                for name, answer in others.items():
                    compared[name] = compared.get(name, 0) + 1
                    if answer != mine:
                        mismatches.append(f"request {index}: {name} answered differently")
                        if len(mismatches) <= 3:
                            progress(f"({op}) request {index}: growthgraph {str(mine)[:300]}")
                            progress(f"({op}) request {index}: {name} {str(answer)[:300]}")
            same = not mismatches
            progress(
                f"({op}): {'same answers' if same else f'{len(mismatches)} MISMATCHES'}; "
                f"requests compared with growthgraph's: {compared}"
            )
            out[op] = {
                "same_answers": same,
                "mismatches": mismatches[:20],
                "mismatch_count": len(mismatches),
                "compared": compared,
            }
    finally:
        await gg.aclose()
        await ng.aclose()
    return out
