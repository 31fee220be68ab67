"""One optimizer step each, computed by hand (numbers worked on paper in the comments)."""

import math

import numpy as np
import pytest

import npmlp
from npmlp.optimizers.schedules import ExponentialDecay, InverseTimeDecay


def step(opt, W, g, times=1):
    W = np.array(W, dtype=float)
    for _ in range(times):
        opt.apply([W], [np.array(g, dtype=float)])
    return W


def test_sgd_plain():
    # W = 1 - 0.1 * 2 = 0.8
    assert step(npmlp.SGD(0.1), [1.0], [2.0])[0] == pytest.approx(0.8)


def test_sgd_momentum_two_steps():
    # v1 = 0.9*0 - 0.1*2 = -0.2, W = 0.8; v2 = 0.9*-0.2 - 0.1*2 = -0.38, W = 0.42
    assert step(npmlp.SGD(0.1, momentum=0.9), [1.0], [2.0], times=2)[0] == pytest.approx(0.42)


def test_sgd_nesterov_two_steps():
    # v1 = -0.2; W += 0.9*-0.2 - 0.2 = -0.38 -> 0.62
    # v2 = 0.9*-0.2 - 0.2 = -0.38; W += 0.9*-0.38 - 0.2 = -0.542 -> 0.078
    opt = npmlp.SGD(0.1, momentum=0.9, nesterov=True)
    assert step(opt, [1.0], [2.0], times=1)[0] == pytest.approx(0.62)
    assert step(npmlp.SGD(0.1, momentum=0.9, nesterov=True), [1.0], [2.0], times=2)[0] == \
        pytest.approx(0.078)


# Keras rounds its Python-float betas to float32 in the bias correction beta**t (ops.cast goes
# through a float32 tensor), and so does npmlp: 0.9 -> 0.8999999761581421, 0.999 ->
# 0.9990000128746033. The moment updates use 1 - beta exactly (0.1 and 0.001).
B1, B2 = 0.8999999761581421, 0.9990000128746033


def test_adam_first_step():
    # t=1: alpha = 0.1*sqrt(1-B2)/(1-B1); m = 0.1*2 = 0.2; v = 0.001*4 = 0.004
    # W = 1 - 0.2*alpha/(sqrt(0.004)+1e-7)
    alpha = 0.1 * math.sqrt(1 - B2) / (1 - B1)
    expected = 1 - 0.2 * alpha / (math.sqrt(0.004) + 1e-7)
    assert step(npmlp.Adam(0.1), [1.0], [2.0])[0] == pytest.approx(expected, rel=1e-14)
    # the exact betas would give another number, 8e-7 away (what Keras does not do)
    exact = 1 - 0.2 * (0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)) / (math.sqrt(0.004) + 1e-7)
    assert abs(expected - exact) > 1e-7


def test_adam_second_step_uses_bias_correction_of_t2():
    m1, v1 = 0.2, 0.004
    W1 = 1 - m1 * (0.1 * math.sqrt(1 - B2) / (1 - B1)) / (math.sqrt(v1) + 1e-7)
    m2 = m1 + (1.0 - m1) * 0.1          # second gradient is 1.0
    v2 = v1 + (1.0 - v1) * 0.001
    alpha2 = 0.1 * math.sqrt(1 - B2 ** 2) / (1 - B1 ** 2)
    W2 = W1 - m2 * alpha2 / (math.sqrt(v2) + 1e-7)
    opt = npmlp.Adam(0.1)
    W = np.array([1.0])
    opt.apply([W], [np.array([2.0])])
    opt.apply([W], [np.array([1.0])])
    assert W[0] == pytest.approx(W2, rel=1e-14)


def test_rmsprop_plain_momentum_centered():
    # v = 0.1*4 = 0.4; W = 1 - 0.01*2/sqrt(0.4 + 1e-7)
    assert step(npmlp.RMSprop(0.01), [1.0], [2.0])[0] == pytest.approx(
        1 - 0.02 / math.sqrt(0.4 + 1e-7), rel=1e-14)
    # momentum 0.5 over two steps: mom1 = inc1, mom2 = 0.5*inc1 + inc2
    inc1 = 0.01 * 2 / math.sqrt(0.4 + 1e-7)
    v2 = 0.9 * 0.4 + 0.1 * 4
    inc2 = 0.01 * 2 / math.sqrt(v2 + 1e-7)
    W = step(npmlp.RMSprop(0.01, momentum=0.5), [1.0], [2.0], times=2)
    assert W[0] == pytest.approx(1 - inc1 - (0.5 * inc1 + inc2), rel=1e-13)
    # centered: a = 0.1*2 = 0.2, denominator 0.4 - 0.04 + 1e-7
    assert step(npmlp.RMSprop(0.01, centered=True), [1.0], [2.0])[0] == pytest.approx(
        1 - 0.02 / math.sqrt(0.36 + 1e-7), rel=1e-14)


def test_clipnorm_per_tensor():
    # g = (3, 4) has norm 5 -> scaled to norm 1: (0.6, 0.8); the 1-element tensor 0.5 is kept
    opt = npmlp.SGD(1.0, clipnorm=1.0)
    W1, W2 = np.zeros(2), np.zeros(1)
    opt.apply([W1, W2], [np.array([3.0, 4.0]), np.array([0.5])])
    np.testing.assert_allclose(W1, [-0.6, -0.8], rtol=1e-15)
    np.testing.assert_allclose(W2, [-0.5])


def test_global_clipnorm():
    # G = sqrt(9 + 16 + 144) = 13 -> every tensor scaled by 1/13
    opt = npmlp.SGD(1.0, global_clipnorm=1.0)
    W1, W2 = np.zeros(2), np.zeros(1)
    opt.apply([W1, W2], [np.array([3.0, 4.0]), np.array([12.0])])
    np.testing.assert_allclose(np.concatenate([W1, W2]), [-3 / 13, -4 / 13, -12 / 13],
                               rtol=1e-15)
    with pytest.raises(ValueError, match="not both"):
        npmlp.SGD(clipnorm=1.0, global_clipnorm=1.0)


def test_schedules_values_and_per_batch_stepping():
    e = ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)
    assert e(0) == 0.1 and e(4) == pytest.approx(0.05) and e(2) == pytest.approx(0.1 * 0.5 ** 0.5)
    es = ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True)
    assert es(3) == 0.1 and es(4) == pytest.approx(0.05)
    i = InverseTimeDecay(0.1, decay_steps=2, decay_rate=1.0)
    assert i(2) == pytest.approx(0.05) and i(1) == pytest.approx(0.1 / 1.5)
    # the seed's per-epoch decay lr0/(1 + d*epoch) with 3 batches per epoch
    seed = InverseTimeDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True)
    assert [seed(s) for s in range(7)] == pytest.approx([0.1] * 3 + [0.1 / 1.5] * 3 + [0.05])
    # SGD with a schedule: step 0 uses lr(0), step 1 uses lr(1)
    opt = npmlp.SGD(i)
    W = step(opt, [0.0], [1.0], times=2)
    assert W[0] == pytest.approx(-(0.1 + 0.1 / 1.5))
    assert opt.iterations == 2


def test_state_is_per_parameter_and_dtype_kept():
    opt = npmlp.Adam(0.01)
    W, b = np.ones((2, 3), dtype=np.float32), np.ones(3, dtype=np.float32)
    opt.apply([W, b], [np.ones((2, 3), np.float32), np.ones(3, np.float32)])
    assert [s["m"].shape for s in opt.state] == [(2, 3), (3,)]
    assert W.dtype == np.float32 and opt.state[0]["v"].dtype == np.float32


@pytest.mark.parametrize("make", [lambda: npmlp.SGD(0.0), lambda: npmlp.SGD(float("nan")),
                                  lambda: npmlp.SGD(momentum=1.0), lambda: npmlp.Adam(-1),
                                  lambda: npmlp.RMSprop(rho=1.5)])
def test_bad_hyper_parameters(make):
    with pytest.raises(ValueError):
        make()


def test_optimizer_names():
    assert isinstance(npmlp.optimizers.get("adam"), npmlp.Adam)
    with pytest.raises(ValueError, match="valid names: adam, rmsprop, sgd"):
        npmlp.optimizers.get("adagrad")
