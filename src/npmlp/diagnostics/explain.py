"""One mini-batch through a small network, recorded step by step (``npmlp explain``).

``explain`` builds an MLP in float64, takes the first ``batch_size`` rows of (X, y), and
records, layer by layer: ``A_prev``, ``Z``, ``A`` on the way forward; ``dA``, ``dZ``, ``dW``,
``db`` on the way back; the update the optimizer applies to every parameter; and a
finite-difference check of every gradient (``npmlp.gradcheck``) on that same batch.
It computes and returns a ``Trace``; printing lives in the CLI, drawing in ``plot_trace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from npmlp._validation import check_positive_int, check_X, check_y
from npmlp.api import build_mlp
from npmlp.diagnostics import gradcheck
from npmlp.model import MLP
from npmlp.model.targets import TargetEncoder
from npmlp.plotting import new_figure, save_figure


@dataclass(frozen=True)
class Stats:
    """Shape and summary statistics of one array."""

    shape: tuple[int, ...]
    mean: float
    std: float
    min: float
    max: float

    @classmethod
    def of(cls, a: np.ndarray) -> Stats:
        a = np.asarray(a)
        return cls(tuple(a.shape), float(a.mean()), float(a.std()), float(a.min()),
                   float(a.max()))


@dataclass
class LayerTrace:
    """What one Dense layer saw on the way forward and back, and the update it received."""

    index: int
    activation: str
    forward: dict[str, Stats] = field(default_factory=dict)    # A_prev, Z, A
    backward: dict[str, Stats] = field(default_factory=dict)   # dA, dZ, dW, db
    update: dict[str, Stats] = field(default_factory=dict)     # W, b: new - old
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # for plotting


@dataclass
class Trace:
    """The whole record of one batch: ``layers`` in forward order, the gradient check."""

    model: MLP
    batch_size: int
    loss: float
    learning_rate: float
    logits_path: bool
    layers: list[LayerTrace]
    gradcheck: list[dict]

    @property
    def gradcheck_passed(self) -> bool:
        """True when every entry of every gradient is within ``npmlp.gradcheck``'s elementwise
        bound ``|a - n| <= rtol max(|a|, |n|) + atol``."""
        return all(r["passed"] for r in self.gradcheck)


def build_model(input_dim: int, y, *, layers: int = 3, units: int = 64,
                activation: str = "relu", learning_rate: float = 0.01,
                seed: int | None = 0) -> MLP:
    """The seed's architecture by default: ``layers`` hidden Dense(units, activation), the
    output layer chosen from y (as ``npmlp.mlp`` does), SGD(learning_rate), float64."""
    model = build_mlp(y, layers=layers, units=units if layers else None,
                      activation=activation, learning_rate=learning_rate, seed=seed,
                      dtype="float64")
    return model.build(input_dim)


def explain(X, y, *, layers: int = 3, units: int = 64, activation: str = "relu",
            batch_size: int = 32, learning_rate: float = 0.01, seed: int | None = 0,
            model: MLP | None = None, h: float = 1e-6) -> Trace:
    """Run one SGD step on the first ``batch_size`` rows of (X, y) and record everything.

    X is (n, d), y has n labels. Pass ``model`` (built, float64) to trace your own network;
    otherwise one is built with ``build_model``. The weights of ``model`` are updated once.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    X = check_X(X, "float64")
    y = check_y(y, X.shape[0])
    if model is None:
        model = build_model(X.shape[1], y, layers=layers, units=units, activation=activation,
                            learning_rate=learning_rate, seed=seed)
    elif not isinstance(model, MLP):
        raise TypeError(f"model must be an npmlp.MLP, got {type(model).__name__}")
    elif model.dtype != np.float64:
        raise ValueError(f"model must be float64 for the gradient check, got {model.dtype}")
    if not model.built:
        model.build(X.shape[1])
    encoder = model.encoder or TargetEncoder.for_targets(y, model.kind, model.layers[-1].units)
    Xb = X[:batch_size]
    Yb = encoder.encode(y[:batch_size], model.dtype)

    traces = [LayerTrace(i, layer.activation.name) for i, layer in enumerate(model.layers)]

    def record(t: LayerTrace, part: dict, name: str, a: np.ndarray) -> None:
        t.arrays[name] = np.array(a, copy=True)  # the buffers are reused by the next step
        part[name] = Stats.of(a)

    # Forward: the very pass MLP.train_step runs; each layer's workspace keeps A_prev, Z, A.
    loss = model.forward_loss(Xb, Yb)
    for t, work in zip(traces, model.last_pass):
        for name in ("A_prev", "Z", "A"):
            record(t, t.forward, name, getattr(work, name))
    A_L = traces[-1].arrays["A"]
    if model.logits_path:  # dL/dA at the output, for reference: the logits path skips it
        record(traces[-1], traces[-1].backward, "dA", model.loss.derivative(Yb, A_L))

    # Backward: MLP.backward, with each layer's dA and dZ recorded as it goes.
    model.backward(Yb, trace=lambda i, name, a: record(traces[i], traces[i].backward, name, a))
    for t, layer in zip(traces, model.layers):
        for name, g in zip(("dW", "db"), layer.grads):
            record(t, t.backward, name, g)
    grads = [np.array(g, copy=True) for g in model.grads]

    # Gradient check on the same batch, before the update changes the weights.
    checks = gradcheck.check_gradients(model, Xb, Yb, h=h)

    before = model.get_weights()
    lr = model.optimizer.current_learning_rate()
    for g, saved in zip(model.grads, grads):  # the check ran passes of its own
        g[...] = saved
    model.apply_gradients()
    for i, t in enumerate(traces):
        for j, name in enumerate(("W", "b")):
            delta = model.params[2 * i + j] - before[2 * i + j]
            t.update[name] = Stats.of(delta)
    return Trace(model=model, batch_size=Xb.shape[0], loss=float(loss), learning_rate=float(lr),
                 logits_path=model.logits_path,
                 layers=traces, gradcheck=checks)


def _row(name: str, st: Stats) -> str:
    return (f"  {name:<7}{str(st.shape):<11} mean {st.mean:+.3e}  std {st.std:.3e}  "
            f"min {st.min:+.3e}  max {st.max:+.3e}")


def format_trace(trace: Trace) -> list[str]:
    """The trace as lines of text (the CLI prints them)."""
    model = trace.model
    n = len(trace.layers)
    out = trace.layers[-1]
    lines = [f"{model!r}, float64, batch of {trace.batch_size} rows, "
             f"{type(model.optimizer).__name__} learning rate {trace.learning_rate:g}",
             f"loss on the batch, before the update: {trace.loss:.6f}", "",
             "FORWARD   Z = A_prev @ W + b,  A = g(Z)"]
    for t in trace.layers:
        lines.append(f"layer {t.index + 1}/{n} ({t.activation})")
        lines += [_row(k, v) for k, v in t.forward.items()]
    if trace.logits_path:
        how = (f"dZ = (A - Y) / {'(m k)' if out.activation == 'sigmoid' else 'm'}"
               f" at the {out.activation} output (logits path); dA shown for reference")
    else:
        how = "dZ = dA * g'(Z) at the output"
    lines += ["", "BACKWARD  dW = A_prev.T @ dZ,  db = sum_rows(dZ),  dA_prev = dZ @ W.T,  "
              "dZ = dA * g'(Z)", f"({how})"]
    for t in reversed(trace.layers):
        lines.append(f"layer {t.index + 1}/{n} ({t.activation})")
        lines += [_row(k, v) for k, v in t.backward.items()]
    lines += ["", f"UPDATE    new - old for every parameter ({model.optimizer!r})"]
    for t in trace.layers:
        lines.append(f"layer {t.index + 1}/{n} ({t.activation})")
        lines += [_row(k, v) for k, v in t.update.items()]
    first = trace.gradcheck[0]
    lines += ["", "GRADIENT CHECK  central differences in float64; every entry must satisfy "
              "|a - n| <= rtol max(|a|, |n|) + atol",
              f"(rtol {first['rtol']:g}, atol {first['atol']:.2e} = 8 eps max(|loss|, 1) / h; "
              "worst = the largest |a - n| / bound, <= 1 passes)"]
    for r in trace.gradcheck:
        verdict = "ok" if r["passed"] else "FAIL"
        lines.append(f"  {r['name']:<5}{str(r['shape']):<11} relative error "
                     f"{r['relative_error']:.3e}  max |diff| {r['max_abs_diff']:.3e}  "
                     f"worst {r['worst']:.3f}  {verdict}")
    failed = sum(not r["passed"] for r in trace.gradcheck)
    lines.append(f"all {len(trace.gradcheck)} gradients pass" if not failed
                 else f"{failed} of {len(trace.gradcheck)} gradients FAIL")
    return lines


def plot_trace(trace: Trace, path: str | Path) -> Path:
    """Per-layer histograms of A (activations), dZ and dW (gradients), one row per layer.

    Every column shares one x-scale: gradient histograms that narrow from the output layer
    down to the first one show vanishing gradients; widening ones show exploding gradients.
    """
    if not isinstance(trace, Trace):
        raise TypeError(f"trace must be an npmlp.explain.Trace, got {type(trace).__name__}")
    columns = ("A", "dZ", "dW")
    n = len(trace.layers)
    fig = new_figure(4.0 * len(columns), 2.4 * n)
    # One x-scale per column, shared by every layer, so that narrowing (vanishing) or
    # widening (exploding) gradients from one layer to the next show as such.
    axes = fig.subplots(n, len(columns), squeeze=False, sharex="col")
    edges = {}
    for name in columns:
        values = np.concatenate([np.ravel(t.arrays[name]) for t in trace.layers])
        low, high = float(values.min()), float(values.max())
        if name != "A":  # gradients: symmetric about 0
            low, high = -max(abs(low), abs(high)), max(abs(low), abs(high))
        if high <= low:
            low, high = low - 0.5, high + 0.5
        edges[name] = np.linspace(low, high, 61)
    for row, t in zip(axes, trace.layers):
        for ax, name in zip(row, columns):
            values = np.ravel(t.arrays[name])
            ax.hist(values, bins=edges[name], color="tab:blue" if name == "A" else "tab:orange")
            ax.set_title(f"layer {t.index + 1} ({t.activation}): {name}  "
                         f"std {values.std():.2e}", fontsize=9)
            ax.tick_params(labelsize=7, labelbottom=True)
    fig.tight_layout()
    return save_figure(fig, path)
