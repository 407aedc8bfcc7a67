#!/usr/bin/env bash
# Generate the 1M-user import set and load it through `growthgraph import` into a fresh local
# Neo4j instance of its own (instance `import1m`), then print the timing. Ports and memory can be
# overridden: BENCH_BOLT_PORT, BENCH_HTTP_PORT, GROWTHGRAPH_NEO4J_HEAP, GROWTHGRAPH_NEO4J_PAGECACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-1000000}
DATA=${DATA:-bench/data/import-${USERS}}
export GROWTHGRAPH_NEO4J_INSTANCE=import1m
export GROWTHGRAPH_NEO4J_BOLT_PORT=${BENCH_BOLT_PORT:-27687}
export GROWTHGRAPH_NEO4J_HTTP_PORT=${BENCH_HTTP_PORT:-27474}
export GROWTHGRAPH_NEO4J_HEAP=${GROWTHGRAPH_NEO4J_HEAP:-4g}
export GROWTHGRAPH_NEO4J_PAGECACHE=${GROWTHGRAPH_NEO4J_PAGECACHE:-4g}
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-growthgraph-bench}
export NEO4J_URI=bolt://127.0.0.1:${GROWTHGRAPH_NEO4J_BOLT_PORT}
export GROWTHGRAPH_QUERY_TIMEOUT=600

[ -f "$DATA/users.csv" ] || .venv/bin/growthgraph generate --users "$USERS" --out "$DATA"
.venv/bin/python neo4j/local.py wipe >/dev/null 2>&1 || true
.venv/bin/python neo4j/local.py start
trap '.venv/bin/python neo4j/local.py stop' EXIT
/usr/bin/time -v .venv/bin/growthgraph import "$DATA" --rejects "$DATA/rejects.csv"
