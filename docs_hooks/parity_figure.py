"""MkDocs hook: train npmlp and Keras side by side at build time and draw the result.

Adds ``assets/parity.png`` (loss curves of both, and the per-epoch differences on a log
scale) to the site and replaces ``<!-- parity-table -->`` in parity.md with the measured
numbers. Uses ``npmlp.compare``'s parity mode when it is importable, else a direct float64
run with ``shuffle=False``. Without TensorFlow the figure says so and the build goes on.
The result is cached for the life of the process, so ``mkdocs serve`` rebuilds stay fast.
"""

from __future__ import annotations

import io
import logging
import os
import time

import numpy as np

log = logging.getLogger("mkdocs.hooks.parity_figure")
FIGURE = "assets/parity.png"
PLACEHOLDER = "<!-- parity-table -->"
FLOOR = 1e-19
SETUP = dict(n_samples=200, units=16, epochs=15, batch_size=32, validation_split=0.2,
             learning_rate=0.01, seed=0)
_cache: dict = {}


def _model():
    import npmlp

    s = SETUP
    return npmlp.MLP([npmlp.Dense(s["units"], "relu"), npmlp.Dense(s["units"], "tanh"),
                      npmlp.Dense(1, "sigmoid")],
                     optimizer=npmlp.Adam(learning_rate=s["learning_rate"]), seed=s["seed"],
                     dtype="float64")


def _direct(X, y):
    """Parity without npmlp.compare: copy the weights into a float64 Keras twin, both
    trained with shuffle=False on the same batches; returns (npmlp, keras) histories and the
    final weights of both."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    s, F = SETUP, np.float64
    model = _model().build(X.shape[1])
    before = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    try:
        twin = keras.Sequential([keras.Input((X.shape[1],))] + [
            keras.layers.Dense(layer.units, activation=layer.activation.name)
            for layer in model.layers])
        twin.set_weights(model.get_weights())
        twin.compile(optimizer=keras.optimizers.Adam(F(s["learning_rate"]), beta_1=F(0.9),
                                                     beta_2=F(0.999), epsilon=F(1e-7)),
                     loss="binary_crossentropy", metrics=["accuracy"], jit_compile=False)
        k_hist = twin.fit(X, y.astype(np.float64), batch_size=s["batch_size"],
                          epochs=s["epochs"], validation_split=s["validation_split"],
                          shuffle=False, verbose=0).history
        k_weights = twin.get_weights()
    finally:
        keras.backend.set_floatx(before)
    hist = model.fit(X, y, batch_size=s["batch_size"], epochs=s["epochs"],
                     validation_split=s["validation_split"], shuffle=False, verbose=0)
    return hist.history, k_hist, model.get_weights(), k_weights


def run() -> dict:
    """{"npmlp", "keras": histories, "delta": name -> per-epoch |difference|, "seconds"}."""
    if _cache:
        return _cache
    import npmlp

    start = time.perf_counter()
    X, y = npmlp.datasets.moons(n_samples=SETUP["n_samples"], noise=0.2, seed=SETUP["seed"])
    try:
        run_parity = None
        try:
            from npmlp.compare import run_parity
        except ImportError:
            try:
                from npmlp.compare.parity import run_parity
            except ImportError:
                pass
        if run_parity is not None:
            r = run_parity(_model(), X, y, batch_size=SETUP["batch_size"],
                           epochs=SETUP["epochs"], validation_split=SETUP["validation_split"])
            weights = [v for k, v in r.abs_delta.items() if k[0] in "Wb"]
            delta = {k: r.abs_delta[k] for k in ("loss", "val_loss")}
            delta["weights"] = list(np.max(weights, axis=0))
            result = {"npmlp": r.npmlp_history, "keras": r.keras_history, "delta": delta,
                      "how": "npmlp.compare.run_parity (shuffled batches replayed in Keras)"}
        else:
            ours, theirs, w1, w2 = _direct(X, y)
            delta = {k: list(np.abs(np.subtract(ours[k], theirs[k])))
                     for k in ("loss", "val_loss")}
            delta["final weights"] = [max(float(np.max(np.abs(a - b))) for a, b in zip(w1, w2))]
            result = {"npmlp": ours, "keras": theirs, "delta": delta,
                      "how": "a direct float64 run with shuffle=False"}
    except ImportError as exc:
        log.info("parity figure: Keras is not available (%s); drawing a placeholder", exc)
        result = {"missing": str(exc)}
    result["seconds"] = time.perf_counter() - start
    _cache.update(result)
    return _cache


def figure_png(result: dict) -> bytes:
    from npmlp.plotting import new_figure

    fig = new_figure(11, 3.8)
    if "missing" in result:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "TensorFlow/Keras is not installed: no parity run at build time",
                ha="center", va="center")
        ax.set_axis_off()
    else:
        left, right = fig.subplots(1, 2)
        for name, hist, style in (("npmlp", result["npmlp"], "-"),
                                  ("Keras", result["keras"], "o")):
            for key in ("loss", "val_loss"):
                epochs = np.arange(1, len(hist[key]) + 1)
                left.plot(epochs, hist[key], style, label=f"{name} {key}", markersize=4,
                          fillstyle="none")
        left.set(xlabel="Epoch", ylabel="Loss", title="Loss vs Epoch: npmlp (lines), Keras (o)")
        left.legend(fontsize=8)
        for key, values in result["delta"].items():
            # Exact zeros cannot sit on a log axis: draw them at FLOOR.
            shown = np.maximum(np.asarray(values, dtype=float), FLOOR)
            right.semilogy(np.arange(1, len(shown) + 1), shown, "o-", label=f"|Δ {key}|",
                           markersize=4)
        right.axhline(np.finfo(float).eps, color="gray", linestyle=":", label="float64 eps")
        right.set_ylim(FLOOR / 3, 1e-10)
        right.set(xlabel="Epoch", ylabel="largest |npmlp − Keras|",
                  title=f"Differences in float64 (exact 0 drawn at {FLOOR:g})")
        right.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def table_markdown(result: dict) -> str:
    if "missing" in result:
        return (f"*TensorFlow/Keras was not installed when this site was built "
                f"({result['missing']}), so no parity run is shown.*")
    d = result["delta"]
    rows = ["| quantity | largest difference over all epochs |", "|---|---|"]
    rows += [f"| {k} | {max(v):.2e} |" for k, v in d.items()]
    return (f"Measured while building this page ({result['how']}, "
            f"{len(result['npmlp']['loss'])} epochs, {result['seconds']:.1f} s):\n\n"
            + "\n".join(rows))


def on_files(files, config):
    from mkdocs.structure.files import File

    result = run()
    files.append(File.generated(config, FIGURE, content=figure_png(result)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    if PLACEHOLDER in markdown:
        markdown = markdown.replace(PLACEHOLDER, table_markdown(run()))
    return markdown
