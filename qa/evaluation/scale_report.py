"""benchmarks/scale.json: its rows merged, rendered as a Markdown table and plotted (latency against corpus size).

The rows come from qa.evaluation.bench_stores (one per store and size); a row that could not be measured on this
machine carries "skipped" and its reason instead of numbers. Pure JSON and matplotlib: no store, no model.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_rows(path: Path, rows: list[dict]) -> list[dict]:
    """Merge `rows` into scale.json at `path` (a row replaces the one of the same store and size); returns all rows."""
    existing = json.loads(path.read_text(encoding="utf-8")).get("rows", []) if path.exists() else []
    merged = {(r["store"], r["passages"]): r for r in existing}
    merged.update({(r["store"], r["passages"]): r for r in rows})
    ordered = sorted(merged.values(), key=lambda r: (r["passages"], r["store"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": ordered}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return ordered


def format_rows(rows: list[dict]) -> str:
    """scale.json rows as a Markdown table (search and answer exclude the question's encoding)."""
    head = "| passages | store | build s | build peak MB | serve peak MB | disk MB | search p50 / p95 ms | answer p50 / p95 ms | load s | load avg (build → queries) |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['passages']:,} | {r['store']} | {r['skipped']} |" + " |" * 7)
            continue
        s, a = r["search_ms"], r["answer_ms"]
        lines.append(
            f"| {r['passages']:,} | {r['store']} | {r['build_s']:.1f} | {r['build_peak_mb']:,} | {r['serve_peak_mb']:,} | {r['disk_mb']:,} | "
            f"{s['p50']:.1f} / {s['p95']:.1f} | {a['p50']:.1f} / {a['p95']:.1f} | {r['load_s']:.1f} | "
            f"{' → '.join(str(x) for x in r.get('load_avg_1min', []))} |"
        )
    return "\n".join(lines)


def plot_rows(rows: list[dict], path: Path) -> None:
    """Latency (search and answer, p50 and p95) against passages, one line per store and measure; log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key in zip(axes, ("search_ms", "answer_ms")):
        for color, store in zip(("tab:blue", "tab:red", "tab:green"), sorted({r["store"] for r in rows})):
            sel = sorted((r for r in rows if r["store"] == store and key in r), key=lambda r: r["passages"])
            for stat, style in (("p50", "-o"), ("p95", "--s")):
                ax.plot([r["passages"] for r in sel], [r[key][stat] for r in sel], style, color=color, label=f"{store} {stat}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("passages")
        ax.set_title(f"{key.removesuffix('_ms')} (ms, without the question's encoding)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("Whole query path vs corpus size: FAISS folder and Qdrant Edge, 2-core CPU (benchmarks/scale.json)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
