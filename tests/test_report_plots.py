"""The report's figures are readable: coinciding curves both visible, parity differences in
the checked measure with the tolerance drawn and exact zeros marked, shared x-scales."""

import matplotlib
import numpy as np
import pytest

import npmlp
from npmlp.compare import report
from npmlp.compare.parity import ParityResult

matplotlib.use("Agg")


@pytest.fixture
def figures(monkeypatch):
    """The figures the plotting functions save, kept open for inspection."""
    kept = []

    def keep(fig, path):
        kept.append(fig)
        return path

    monkeypatch.setattr(report, "save_figure", keep)
    return kept


@pytest.fixture
def parity():
    history = {"loss": [0.7, 0.6, 0.5], "accuracy": [0.5, 0.6, 0.7],
               "val_loss": [0.8, 0.7, 0.6], "val_accuracy": [0.5, 0.5, 0.6]}
    zeros = [0.0, 0.0, 0.0]
    result = ParityResult("float64", 3, history, dict(history))
    result.abs_delta = {"W1": [1e-17, 0.0, 2e-17], "loss": [1e-16, 0.0, 1e-16],
                        "accuracy": zeros, "val_loss": zeros, "val_accuracy": zeros}
    result.rel_delta = {k: [v * 2 for v in d] for k, d in result.abs_delta.items()}
    result.tolerances = {"W1": {"measure": "abs", "tolerance": 1e-10},
                         "loss": {"measure": "rel", "tolerance": 1e-10},
                         "accuracy": {"measure": "abs", "tolerance": 0.0},
                         "val_loss": {"measure": "rel", "tolerance": 1e-10},
                         "val_accuracy": {"measure": "abs", "tolerance": 0.0}}
    return result


def test_parity_curves_are_both_visible_and_the_title_says_they_coincide(parity, figures):
    curves = {"npmlp": parity.npmlp_history, "keras": parity.keras_history}
    report.plot_metric(curves, "loss", "loss.png", report.coincide_note(parity, "loss"))
    ax = figures[0].axes[0]
    npmlp_lines = [line for line in ax.lines if line.get_label().startswith("npmlp")]
    keras_lines = [line for line in ax.lines if line.get_label().startswith("keras")]
    assert len(npmlp_lines) == len(keras_lines) == 2
    # under the thin dashed Keras lines, npmlp's are wide and pale: both show
    assert all(line.get_linewidth() > 2 * k.get_linewidth() and line.get_alpha() < 1
               for line, k in zip(npmlp_lines, keras_lines))
    assert all(k.get_linestyle() == "--" for k in keras_lines)
    assert "coincide" in ax.get_title() and "1.0e-16" in ax.get_title()


def test_parity_plot_draws_tolerance_and_marks_exact_zeros(parity, figures):
    report.plot_parity(parity, "parity.png")
    ax = figures[0].axes[0]
    tolerance = [line for line in ax.lines if line.get_label() == "tolerance 1e-10"]
    assert tolerance and tolerance[0].get_ydata()[0] == 1e-10
    # no zig-zag down to a fake 1e-20 floor: zero epochs are gaps in the lines ...
    loss = next(line for line in ax.lines if line.get_label() == "loss (rel)")
    assert np.isnan(loss.get_ydata()[1]) and loss.get_ydata()[0] == pytest.approx(2e-16)
    # ... and markers on their own rows below the smallest difference
    markers = [line for line in ax.lines if line.get_marker() == "v"]
    assert len(markers) == 5 and all(max(m.get_ydata()) < 1e-17 for m in markers)
    assert ax.get_ylim()[0] > 1e-21 and ax.get_ylim()[1] > 1e-10


def test_results_md_header_is_escaped():
    results = {"config": {"a": 1}, "parity": {
        "verdict": "ok", "dtype": "float64", "epochs": 1, "tolerances": {
            "loss": {"measure": "rel", "tolerance": 1e-10}},
        "abs_delta": {"loss": [0.0]}, "rel_delta": {"loss": [0.0]}}}
    text = report.markdown(results)
    assert "| quantity | max \\|delta\\| | max relative \\|delta\\| | tolerance |" in text


def test_explain_histograms_share_an_x_scale(monkeypatch):
    from npmlp.diagnostics import explain

    kept = []
    monkeypatch.setattr(explain, "save_figure", lambda fig, path: kept.append(fig) or path)
    X, y = npmlp.datasets.dummy(n_samples=32, n_features=4, seed=0)
    trace = explain.explain(X, y, layers=3, units=4, activation="sigmoid", batch_size=32)
    explain.plot_trace(trace, "trace.png")
    axes = np.array(kept[0].axes).reshape(4, 3)
    for column in range(3):
        assert len({ax.get_xlim() for ax in axes[:, column]}) == 1
    # gradients: symmetric about 0, wide enough for the largest layer's values
    low, high = axes[0, 2].get_xlim()
    assert low == pytest.approx(-high, rel=0.2)
