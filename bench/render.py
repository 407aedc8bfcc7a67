"""Render a results file as the `make bench` section of bench/RESULTS.md.

    python bench/render.py bench/results/<stamp>.json            # print the section
    python bench/render.py bench/results/<stamp>.json --write    # replace it in RESULTS.md

The section sits between two marker comments; everything else in the file is left as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BEGIN = "<!-- make bench: begin (written by bench/render.py; edit above or below) -->"
END = "<!-- make bench: end -->"
OPS = ("a", "b", "c")
GOALS = {"a": "ahead", "b": "ahead", "c": "≥ 10x ahead"}


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f} ms"
    return f"{value:,.2f} ms"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}x"


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _mib(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:,.0f} MiB"


def _cpu(median: dict[str, float]) -> str:
    """CPU milliseconds per request of the server and of Neo4j (robust to a busy machine)."""
    server = median.get("cpu_ms_per_request_server")
    neo4j = median.get("cpu_ms_per_request_neo4j")
    if server is None and neo4j is None:
        return "-"
    return f"{server or 0:,.1f} + {neo4j or 0:,.1f}"


def _header(r: dict[str, Any]) -> list[str]:
    s = r["settings"]
    m = r["machine_before"]
    after = r.get("machine_after", {}).get("load_average", ["?"])
    v = r["versions"]
    py = v["python_packages"]
    npm = v["npm_packages"]
    title = f"{s['users']:,} users"
    if s["quick"]:
        title += " (quick mode: development figures, not the benchmark's)"
    lines = [
        f"## `make bench`: growthgraph against the driver and @neo4j/graphql, {title}",
        "",
        f"Run {r['started']} to {r['finished']} (UTC) on {m['cpus']} x {m['cpu']}, "
        f"{m['memory_gib']} GiB RAM ({m['os']}); load average {m['load_average']} before, "
        f"{after} after (each run's own is in the JSON). "
        f"{', '.join(v['neo4j'])}; Java {v['java']}; Python {v['python']} "
        f"(strawberry-graphql {py['strawberry-graphql']}, uvicorn {py['uvicorn']}, "
        f"neo4j driver {py['neo4j']} + neo4j-rust-ext {py['neo4j-rust-ext']}, "
        f"httpx {py['httpx']}); Node {v['node']} (@neo4j/graphql {npm['@neo4j/graphql']}, "
        f"@apollo/server {npm['@apollo/server']}, neo4j-driver {npm['neo4j-driver']}); "
        f"growthgraph {v['growthgraph_commit']}.",
        "",
        f"Every figure is the median of {s['repeats']} runs of {s['duration_s']:.0f} s, after a "
        f"{s['warmup_s']:.0f} s warm-up per operation and target; targets compared with each other "
        "take turns run by run. Neo4j, both servers and the load generator share the machine's "
        "CPUs. Requests draw their ids from a seeded sequence of generated users, the same "
        f"sequence for every target. Raw results: `{r.get('file', '?')}`.",
        "",
    ]
    d = r["dataset"]
    counts = d["counts"]
    imp: dict[str, Any] = d.get("import") or {}
    loaded = (
        "loaded in this run" if d["loaded_now"] else f"loaded earlier ({imp.get('importedAt')})"
    )
    lines.append(
        f"Data (seed {d['seed']}): {counts['users']:,} users, {counts['influencers']:,} "
        f"influencers, {counts['partners']:,} partners, {counts['referrals']:,} REFERRED edges; "
        f"{loaded} by `growthgraph import`: {imp.get('importRows', 0):,} rows in "
        f"{imp.get('importSeconds', '?')} s ({imp.get('importRowsPerSecond', '?'):,} rows/s)."
    )
    lines += ["", "Commands:", "", "```"]
    lines += [f"{name}: {command}" for name, command in r["commands"].items()]
    lines += ["```", ""]
    return lines


def _overhead(r: dict[str, Any]) -> list[str]:
    lines = [
        "### GraphQL overhead (one request at a time, p50)",
        "",
        "The direct side calls the same repository functions as growthgraph's resolvers, in the "
        "same round trips, through the same driver, in the load generator's process.",
        "",
        "| operation | through growthgraph | direct driver | ratio | goal ≤ 1.25x |",
        "| --- | --- | --- | --- | --- |",
    ]
    for op in OPS:
        o = r["overhead"][op]
        ratio = o["ratio_p50"]
        lines.append(
            f"| ({op}) {o['title']} | {_ms(o['growthgraph']['median']['p50_ms'])} "
            f"| {_ms(o['direct']['median']['p50_ms'])} | {_x(ratio)} "
            f"| {_met(ratio is not None and ratio <= 1.25)} |"
        )
    return [*lines, ""]


def _versus(r: dict[str, Any]) -> list[str]:
    c = r["settings"]["concurrency"]
    lines = [
        f"### growthgraph against @neo4j/graphql on Apollo Server (concurrency {c})",
        "",
        "CPU is milliseconds of CPU per request: the GraphQL server's + Neo4j's.",
        "",
        "| operation | growthgraph req/s | p50 | p99 | CPU | @neo4j/graphql req/s | p50 | p99 "
        "| CPU | throughput ratio | goal |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for op in OPS:
        v = r["versus"][op]
        gg = v["growthgraph"]["median"]
        ng = v["neo4j-graphql"]["median"]
        ratio = v["throughput_ratio"]
        need = 10.0 if op == "c" else 1.0
        ok = ratio is not None and (ratio >= need if op == "c" else ratio > need)
        lines.append(
            f"| ({op}) {v['title']} | {gg['throughput']:,.1f} | {_ms(gg['p50_ms'])} "
            f"| {_ms(gg['p99_ms'])} | {_cpu(gg)} | {ng['throughput']:,.1f} | {_ms(ng['p50_ms'])} "
            f"| {_ms(ng['p99_ms'])} | {_cpu(ng)} | {_x(ratio)} | {GOALS[op]}: {_met(ok)} |"
        )
    errors = sum(
        v[name]["median"]["errors"]
        for v in r["versus"].values()
        for name in ("growthgraph", "neo4j-graphql")
    )
    lines += ["", f"Failed or timed-out requests over all these runs: {errors:,.0f}.", ""]
    return lines


def _top(r: dict[str, Any]) -> list[str]:
    d = r["top_referrers_direct"]
    g = r["top_referrers_graphql"]
    since, until = r["window"]
    lines = [
        "### topReferrers(degree: 2, limit: 10): counters against the scan",
        "",
        f"Direct through the driver, one at a time, p50. The window is the last 30 days of the "
        f"data's sign-ups, [{since}, {until}).",
        "",
        "| window | counter-backed | scan | speedup | goal |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, goal in (("no_window", 20.0), ("window", 1.0)):
        t = d[name]
        speed = t["speedup_p50"]
        ok = speed is not None and (speed >= goal if name == "no_window" else speed > goal)
        label = "≥ 20x" if name == "no_window" else "faster than the scan"
        lines.append(
            f"| {'none' if name == 'no_window' else '30 days'} "
            f"| {_ms(t['counters']['median']['p50_ms'])} | {_ms(t['scan']['median']['p50_ms'])} "
            f"| {_x(speed)} | {label}: {_met(ok)} |"
        )
    lines += [
        "",
        "Through growthgraph's GraphQL, one at a time, p50:",
        "",
        "| window | counters on | counters off (scan) |",
        "| --- | --- | --- |",
    ]
    for name in ("no_window", "window"):
        on = g["counters_on"][name]["median"]["p50_ms"]
        off = g.get("counters_off", {}).get(name, {}).get("median", {}).get("p50_ms")
        lines.append(f"| {'none' if name == 'no_window' else '30 days'} | {_ms(on)} | {_ms(off)} |")
    same = [d[name].get("same_answer") for name in ("no_window", "window")]
    lines += [
        "",
        "Counter-backed and scan answers "
        + ("were identical." if all(same) else f"DIFFERED (no window, window: {same})."),
    ]
    return [*lines, ""]


def _writes(r: dict[str, Any]) -> list[str]:
    w = r["writes"]
    c = r["settings"]["concurrency"]
    lines = [
        f"### recordSignUp through GraphQL (concurrency {c})",
        "",
        "Each sign-up is a new user referred by a generated user; those users are removed after "
        "the run.",
        "",
        "| counter maintenance | sign-ups/s | p50 | p99 | CPU ms per sign-up (server + Neo4j) "
        "| failed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in (("counters_on", "on"), ("counters_off", "off")):
        m = w[name]["median"]
        lines.append(
            f"| {label} | {m['throughput']:,.1f} | {_ms(m['p50_ms'])} | {_ms(m['p99_ms'])} "
            f"| {_cpu(m)} | {m['errors']:,.0f} of {m['requests']:,.0f} |"
        )
    rebuild = w.get("counters_rebuild", {})
    if rebuild:
        lines += [
            "",
            f"Afterwards the {w.get('removed_users', 0):,} users written were deleted and "
            f"`growthgraph counters rebuild` ran: {rebuild['seconds']} s "
            f"(exit code {rebuild['exit_code']}).",
        ]
    return [*lines, ""]


def _memory(r: dict[str, Any]) -> list[str]:
    m = r["memory_peak"]
    return [
        "### Peak resident memory (VmHWM) over the run",
        "",
        "| process | peak RSS |",
        "| --- | --- |",
        "| growthgraph (counters on: reads, then writes) "
        f"| {_mib(m['growthgraph_counters_on_kb'])} |",
        f"| growthgraph (counters off) | {_mib(m['growthgraph_counters_off_kb'])} |",
        f"| @neo4j/graphql on Apollo Server (node) | {_mib(m['neo4j_graphql_kb'])} |",
        "",
    ]


def _checks(r: dict[str, Any]) -> list[str]:
    lines = ["Checks before measuring (same answers; round trips per request):", ""]
    for op in OPS:
        c = r["checks"][op]
        same = (
            "same answers"
            if c["same_answers"]
            else "DIFFERENT ANSWERS: " + "; ".join(c["mismatches"])
        )
        lines.append(
            f"- ({op}): {same} from growthgraph, @neo4j/graphql and the direct baseline; round "
            f"trips growthgraph {c['round_trips_growthgraph']}, direct {c['round_trips_direct']}."
        )
    return [*lines, ""]


def render(results: dict[str, Any]) -> str:
    lines = [
        *_header(results),
        *_overhead(results),
        *_versus(results),
        *_top(results),
        *_writes(results),
        *_memory(results),
        *_checks(results),
    ]
    return "\n".join(lines).rstrip() + "\n"


def replace_section(path: Path, markdown: str) -> None:
    """Put ``markdown`` between the markers in ``path`` (appended when there are none yet)."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    block = f"{BEGIN}\n\n{markdown}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + block + (("\n" + tail) if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("results", type=Path, help="a bench/results/<stamp>.json file")
    parser.add_argument("--write", action="store_true", help="replace the section in RESULTS.md")
    args = parser.parse_args()
    results_path: Path = args.results
    markdown = render(json.loads(results_path.read_text()))
    if args.write:
        replace_section(Path(__file__).resolve().parent / "RESULTS.md", markdown)
    else:
        sys.stdout.write(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
