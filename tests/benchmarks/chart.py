"""Draw the executor benchmark chart from the JSON files `bench.py` wrote (nox -s bench_chart)."""

import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(results_dir: str, out: str) -> None:
    runs = [json.loads(p.read_text()) for p in sorted(pathlib.Path(results_dir).glob("*.json"))]
    if not runs:
        sys.exit(f"no results in {results_dir}: run `nox -s bench` first")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = (
        ("cpu_seconds", "CPU-bound: 8 tasks (s, lower is better)"),
        ("tiny_task_us", "Tiny task through a warm pool (µs/task)"),
        ("startup_ms", "Pool start-up + first result (ms)"),
    )
    for ax, (key, title) in zip(axes, panels, strict=True):
        labels = list(runs[0][key])
        width = 0.8 / len(runs)
        for i, run in enumerate(runs):
            xs = [j + i * width for j in range(len(labels))]
            ax.bar(
                xs, [run[key][label] for label in labels], width, label=f"CPython {run['python']}"
            )
        ax.set_xticks([j + width * (len(runs) - 1) / 2 for j in range(len(labels))])
        ax.set_xticklabels(labels, rotation=20, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
    axes[0].legend(fontsize=8)
    fig.suptitle("InterpreterPoolExecutor vs threads and processes, 2 workers, 2 cores")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
