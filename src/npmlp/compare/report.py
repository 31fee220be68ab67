"""Writing a comparison: plots (PNG), results.json, results.md and a self-contained
report.html (images embedded as base64 data URIs, so it works offline)."""

from __future__ import annotations

import base64
import html
import json
import platform
from pathlib import Path

import numpy as np

from npmlp._files import atomic_write
from npmlp._version import __version__
from npmlp.plotting import draw_metric, new_figure, save_figure

STYLE = {"npmlp": "-", "keras": "--"}
FLOOR = 1e-20  # where an exact 0 difference is drawn on the log axis


def library_versions() -> dict:
    """Versions of Python, NumPy, npmlp, TensorFlow and Keras (None where missing)."""
    versions = {"python": platform.python_version(), "numpy": np.__version__,
                "npmlp": __version__}
    for name in ("tensorflow", "keras"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = None
    return versions


def _curves(ax, histories: dict, metric: str, title: str) -> None:
    for fw, hist in histories.items():
        draw_metric(ax, hist, metric, label=fw, style=STYLE.get(fw, "-"))
    ax.set_title(title)


def plot_metric(histories: dict, metric: str, path, note: str = "") -> Path:
    """``metric`` and ``val_<metric>`` vs epoch, one line style per framework."""
    fig = new_figure(7, 4.5)
    title = f"{metric.capitalize()} vs Epoch" + (f" ({note})" if note else "")
    _curves(fig.subplots(), histories, metric, title)
    return save_figure(fig, path)


def plot_parity(parity, path) -> Path:
    """Per-epoch |delta| of the History entries and the largest weight delta, log axis."""
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    epochs = range(1, parity.epochs + 1)
    for key in parity.npmlp_history:
        if key in parity.abs_delta:
            ax.semilogy(epochs, np.maximum(parity.abs_delta[key], FLOOR), label=f"|delta {key}|")
    weights = [v for k, v in parity.abs_delta.items() if k[0] in "Wb"]
    if weights:
        ax.semilogy(epochs, np.maximum(np.max(weights, axis=0), FLOOR), "k-",
                    label="max |delta weight|")
    ax.set(xlabel="Epoch", ylabel="|npmlp - Keras| (0 drawn at 1e-20)",
           title=f"Parity: npmlp vs Keras from the same weights ({parity.dtype})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_independent(independent, path) -> Path:
    """Mean +/- std over seeds of loss and the metric, both frameworks."""
    fig = new_figure(12, 4.5)
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", independent.metric)):
        for fw in ("npmlp", "keras"):
            stats = independent.stats(fw)
            for key in (metric, f"val_{metric}"):
                if key not in stats:
                    continue
                mean, std = np.array(stats[key]["mean"]), np.array(stats[key]["std"])
                x = np.arange(1, len(mean) + 1)
                (line,) = ax.plot(x, mean, STYLE[fw], label=f"{fw} {key}")
                ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        ax.set(xlabel="Epoch", ylabel=metric.capitalize(),
               title=f"{metric.capitalize()} vs Epoch, mean ± std over "
                     f"{len(independent.seeds)} seeds")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return save_figure(fig, path)


def _pm(pair) -> str:
    return f"{pair[0]:.4f} ± {pair[1]:.4f}"


def tables(results: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for the configuration, parity and independent tables."""
    out = [("Configuration", ["setting", "value"],
            [[k, json.dumps(v) if isinstance(v, (dict, list)) else str(v)]
             for k, v in results["config"].items()])]
    parity = results.get("parity")
    if parity:
        rows = []
        for name, spec in parity["tolerances"].items():
            rows.append([name, f"{max(parity['abs_delta'][name]):.2e}",
                         f"{max(parity['rel_delta'][name]):.2e}",
                         f"{spec['measure']} <= {spec['tolerance']:.0e}"])
        out.append((f"Parity ({parity['dtype']}, {parity['epochs']} epochs): largest "
                    f"difference over all epochs", ["quantity", "max |delta|",
                                                    "max relative |delta|", "tolerance"], rows))
    ind = results.get("independent")
    if ind:
        keys = list(ind["histories"]["npmlp"][0])
        rows = [[row["model"]] + [_pm(row[k]) for k in keys] for row in ind["final"]]
        d = ind["difference"]
        rows.append([f"difference in final {d['key']} (npmlp - keras)",
                     f"{d['npmlp_minus_keras']:+.4f}, 95% bootstrap CI "
                     f"[{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"] + [""] * (len(keys) - 1))
        out.append((f"Independent runs: final epoch, mean ± std over {len(ind['seeds'])} seeds",
                    ["model"] + [f"final {k}" for k in keys], rows))
    return out


def markdown(results: dict) -> str:
    """results.md: the verdict and the tables."""
    lines = ["# npmlp vs Keras", ""]
    if results.get("parity"):
        lines += [f"**Parity:** {results['parity']['verdict']}", ""]
    for title, header, rows in tables(results):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def page(results: dict, images: list[Path]) -> str:
    """report.html: one page, every image inlined as a data URI."""
    esc = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>npmlp vs Keras</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}"
             "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:left}img{max-width:100%}</style></head><body>",
             "<h1>npmlp vs Keras</h1>"]
    if results.get("parity"):
        ok = "green" if results["parity"]["passed"] else "red"
        parts.append(f"<p style='color:{ok}'><b>Parity:</b> "
                     f"{esc(results['parity']['verdict'])}</p>")
    for title, header, rows in tables(results):
        parts.append(f"<h2>{esc(title)}</h2><table><tr>"
                     + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    parts.append("<h2>Plots</h2>")
    for image in images:
        data = base64.b64encode(Path(image).read_bytes()).decode("ascii")
        parts.append(f"<h3>{esc(Path(image).name)}</h3>"
                     f"<img alt='{esc(Path(image).stem)}' src='data:image/png;base64,{data}'>")
    parts.append(f"<p><small>versions: {esc(json.dumps(results['versions']))}</small></p>"
                 "</body></html>")
    return "\n".join(parts)


def _write_text(path: Path, text: str) -> Path:
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return path


def write_report(out, config: dict, parity=None, independent=None) -> dict:
    """Write plots, results.json, results.md and report.html to ``out``; returns the results
    dict (what results.json holds) with "files" added."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"config": config, "versions": library_versions(),
               "parity": None if parity is None else parity.to_dict(),
               "independent": None if independent is None else independent.to_dict()}
    images = []
    if parity is not None:
        curves = {"npmlp": parity.npmlp_history, "keras": parity.keras_history}
        metric = "accuracy" if "accuracy" in parity.npmlp_history else "mae"
        note = "parity run, same weights"
    elif independent is not None:
        curves = {fw: {k: v["mean"] for k, v in independent.stats(fw).items()}
                  for fw in ("npmlp", "keras")}
        metric, note = independent.metric, "mean over seeds"
    else:
        raise ValueError("nothing to report: give parity and/or independent results")
    images.append(plot_metric(curves, "loss", out / "loss.png", note))
    images.append(plot_metric(curves, metric, out / f"{metric}.png", note))
    if parity is not None:
        images.append(plot_parity(parity, out / "parity.png"))
    if independent is not None:
        images.append(plot_independent(independent, out / "independent.png"))
    _write_text(out / "results.json", json.dumps(results, indent=1))
    _write_text(out / "results.md", markdown(results))
    _write_text(out / "report.html", page(results, images))
    results["files"] = [str(p) for p in images] + [str(out / n) for n in
                                                    ("results.json", "results.md", "report.html")]
    return results
