#!/usr/bin/env bash
# Generate the 1M-user import set and load it through `growthgraph import --initial` (neo4j-admin)
# into a fresh local Neo4j instance of its own (instance `initial1m`), then print the timing: wall
# clock and client CPU from /usr/bin/time, the phases' own times, and the machine's load average
# sampled every 5 s (wall clock means little on a shared machine without it). The clock covers the
# whole load: reading and checking, the counters, the admin tool's files, stopping the server,
# neo4j-admin, starting it again, creating and populating the indexes, checking the counts.
# BENCH_INSTANCE, BENCH_BOLT_PORT, BENCH_HTTP_PORT, GROWTHGRAPH_NEO4J_HEAP and
# GROWTHGRAPH_NEO4J_PAGECACHE override the instance; USERS sets the size; CHECK=1 runs
# `growthgraph counters check` afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-1000000}
DATA=${DATA:-bench/data/import-${USERS}}
export GROWTHGRAPH_NEO4J_INSTANCE=${BENCH_INSTANCE:-initial1m}
export GROWTHGRAPH_NEO4J_BOLT_PORT=${BENCH_BOLT_PORT:-27787}
export GROWTHGRAPH_NEO4J_HTTP_PORT=${BENCH_HTTP_PORT:-27574}
export GROWTHGRAPH_NEO4J_HEAP=${GROWTHGRAPH_NEO4J_HEAP:-4g}
export GROWTHGRAPH_NEO4J_PAGECACHE=${GROWTHGRAPH_NEO4J_PAGECACHE:-4g}
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-growthgraph-bench}
export NEO4J_URI=bolt://127.0.0.1:${GROWTHGRAPH_NEO4J_BOLT_PORT}
export GROWTHGRAPH_QUERY_TIMEOUT=600

[ -f "$DATA/users.csv" ] || .venv/bin/growthgraph generate --users "$USERS" --out "$DATA"
.venv/bin/python neo4j/local.py wipe --yes >/dev/null 2>&1 || true
.venv/bin/python neo4j/local.py start
trap '.venv/bin/python neo4j/local.py stop' EXIT

loads=$(mktemp)
(while sleep 5; do cut -d' ' -f1 /proc/loadavg >>"$loads"; done) &
sampler=$!
/usr/bin/time -v .venv/bin/growthgraph import --initial "$DATA" --rejects "$DATA/rejects.csv"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
awk '{s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1}
     END {if (NR) printf "== load average (1 min, every 5 s): mean %.1f, min %.1f, max %.1f\n", s / NR, lo, hi}' "$loads"
rm -f "$loads"
if [ "${CHECK:-0}" = 1 ]; then
  echo "== growthgraph counters check (every stored counter against the edges):"
  .venv/bin/growthgraph counters check
fi
