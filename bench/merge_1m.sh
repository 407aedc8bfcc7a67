#!/usr/bin/env bash
# The 1M-user set's 699,125 referrals merged into the 1M-user graph loaded without them, then the
# counters checked and rebuilt at that size. Loads everything but referrals.csv through
# `growthgraph import --initial` into an instance of its own (default `merge1m`; not timed), then
# times `growthgraph import` of referrals.csv alone (merge mode: every row a new edge, so the
# counters are recomputed inside Neo4j by `counters.rebuild`), `growthgraph counters check` and
# `growthgraph counters rebuild` (nothing left to correct), each with /usr/bin/time -v (wall
# clock, client CPU, peak client RSS) and the machine's load average sampled every 5 s.
# BENCH_INSTANCE, BENCH_BOLT_PORT, BENCH_HTTP_PORT, GROWTHGRAPH_NEO4J_HEAP and
# GROWTHGRAPH_NEO4J_PAGECACHE override the instance; USERS sets the size; DATA the generated set
# (default bench/data/import-$USERS, generated when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-1000000}
DATA=${DATA:-bench/data/import-${USERS}}
export GROWTHGRAPH_NEO4J_INSTANCE=${BENCH_INSTANCE:-merge1m}
export GROWTHGRAPH_NEO4J_BOLT_PORT=${BENCH_BOLT_PORT:-27887}
export GROWTHGRAPH_NEO4J_HTTP_PORT=${BENCH_HTTP_PORT:-27674}
export GROWTHGRAPH_NEO4J_HEAP=${GROWTHGRAPH_NEO4J_HEAP:-4g}
export GROWTHGRAPH_NEO4J_PAGECACHE=${GROWTHGRAPH_NEO4J_PAGECACHE:-4g}
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-growthgraph-bench}
export NEO4J_URI=bolt://127.0.0.1:${GROWTHGRAPH_NEO4J_BOLT_PORT}
export GROWTHGRAPH_QUERY_TIMEOUT=600

[ -f "$DATA/users.csv" ] || .venv/bin/growthgraph generate --users "$USERS" --out "$DATA"
DATA=$(cd "$DATA" && pwd)
work=$(mktemp -d)
mkdir "$work/without-referrals" "$work/referrals"
for f in "$DATA"/*.csv; do
  case $(basename "$f") in
    referrals.csv) ln -s "$f" "$work/referrals/" ;;
    rejects.csv) ;;
    *) ln -s "$f" "$work/without-referrals/" ;;
  esac
done
.venv/bin/python neo4j/local.py wipe --yes >/dev/null 2>&1 || true
.venv/bin/python neo4j/local.py start
trap '.venv/bin/python neo4j/local.py stop; rm -rf "$work"' EXIT
echo "== loading everything but referrals.csv (not timed)"
.venv/bin/growthgraph import --initial "$work/without-referrals" --rejects "$work/rejects-1.csv"

timed() {
  local label=$1
  shift
  local loads
  loads=$(mktemp)
  (while sleep 5; do cut -d' ' -f1 /proc/loadavg >>"$loads"; done) &
  local sampler=$!
  echo "== $label (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  /usr/bin/time -v "$@" 2> >(grep -E "Elapsed|Maximum resident|User time|System time|growthgraph" >&2) \
    | tr '\r' '\n' | grep -v '%|' || true
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  awk '{s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1}
       END {if (NR) printf "== load average (1 min, every 5 s): mean %.1f, min %.1f, max %.1f\n", s / NR, lo, hi}' "$loads"
  rm -f "$loads"
}

timed "merge: the referrals into the graph" \
  .venv/bin/growthgraph import "$work/referrals" --rejects "$work/rejects-2.csv" --quiet
timed "counters check" .venv/bin/growthgraph counters check
timed "counters rebuild" .venv/bin/growthgraph counters rebuild
