#!/usr/bin/env bash
# Generate the 1M-user import set and load it through `growthgraph import` into a fresh local
# Neo4j instance of its own (instance `import1m`), then print the timing: wall clock and client
# CPU from /usr/bin/time, the Neo4j server's CPU during the import from /proc, and the machine's
# load average sampled every 5 s (wall clock means little on a shared machine without it).
# Instance, ports and memory can be overridden: BENCH_INSTANCE, BENCH_BOLT_PORT, BENCH_HTTP_PORT,
# GROWTHGRAPH_NEO4J_HEAP, GROWTHGRAPH_NEO4J_PAGECACHE; USERS sets the size; extra arguments go to `growthgraph import`
# (e.g. --batch-size 5000 --parallel 3). RERUN=1 imports the same files a second time (merge
# mode) into the loaded database and times that too; CHECK=1 runs `growthgraph counters check`
# after the first import.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-1000000}
DATA=${DATA:-bench/data/import-${USERS}}
export GROWTHGRAPH_NEO4J_INSTANCE=${BENCH_INSTANCE:-import1m}
export GROWTHGRAPH_NEO4J_BOLT_PORT=${BENCH_BOLT_PORT:-27687}
export GROWTHGRAPH_NEO4J_HTTP_PORT=${BENCH_HTTP_PORT:-27474}
export GROWTHGRAPH_NEO4J_HEAP=${GROWTHGRAPH_NEO4J_HEAP:-4g}
export GROWTHGRAPH_NEO4J_PAGECACHE=${GROWTHGRAPH_NEO4J_PAGECACHE:-4g}
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-growthgraph-bench}
export NEO4J_URI=bolt://127.0.0.1:${GROWTHGRAPH_NEO4J_BOLT_PORT}
export GROWTHGRAPH_QUERY_TIMEOUT=600
HOME_DIR=${GROWTHGRAPH_NEO4J_HOME:-.neo4j}
PID_FILE=$HOME_DIR/instances/$GROWTHGRAPH_NEO4J_INSTANCE/run/neo4j.pid

[ -f "$DATA/users.csv" ] || .venv/bin/growthgraph generate --users "$USERS" --out "$DATA"
.venv/bin/python neo4j/local.py wipe --yes >/dev/null 2>&1 || true
.venv/bin/python neo4j/local.py start
trap '.venv/bin/python neo4j/local.py stop' EXIT
# growthgraph creates its constraints and indexes on connect; do it before the clock starts.
.venv/bin/growthgraph counters check >/dev/null 2>&1 || true

server_pid=$(cat "$PID_FILE")
ticks=$(getconf CLK_TCK)
server_cpu() {  # user + system seconds of the Neo4j process (fields 14 and 15 after the name)
  sed 's/^.*) //' "/proc/$server_pid/stat" | awk -v t="$ticks" '{printf "%.1f", ($12 + $13) / t}'
}

timed_import() {
  local label=$1
  shift
  local loads
  loads=$(mktemp)
  (while sleep 5; do cut -d' ' -f1 /proc/loadavg >>"$loads"; done) &
  local sampler=$!
  local before after
  before=$(server_cpu)
  /usr/bin/time -v .venv/bin/growthgraph import "$DATA" --rejects "$DATA/rejects.csv" "$@"
  after=$(server_cpu)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  echo "== $label: Neo4j CPU during the import: $(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.1f", a - b}') s"
  awk '{s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1}
       END {if (NR) printf "== load average (1 min, every 5 s): mean %.1f, min %.1f, max %.1f\n", s / NR, lo, hi}' "$loads"
  rm -f "$loads"
}

timed_import "create mode (empty target)" "$@"
if [ "${CHECK:-0}" = 1 ]; then
  echo "== growthgraph counters check (every stored counter against the edges):"
  .venv/bin/growthgraph counters check
fi
if [ "${RERUN:-0}" = 1 ]; then
  timed_import "merge mode (the same files again)" "$@"
fi
