"""Comparing npmlp with TensorFlow/Keras: exact parity, independent runs, the report.

Needs the ``tensorflow`` extra (``pip install 'npmlp[tensorflow]'``); Keras is imported only
when a function here runs, so ``import npmlp.compare`` works without it.
"""

from npmlp.compare.experiment import Comparison, build_model, compare
from npmlp.compare.independent import IndependentResult, bootstrap_diff_ci, run_independent
from npmlp.compare.keras_bridge import INSTALL_HINT, from_keras, keras_floatx, to_keras
from npmlp.compare.parity import ParityResult, run_parity
from npmlp.compare.report import write_report

__all__ = [
    "to_keras", "from_keras", "keras_floatx", "run_parity", "run_independent", "compare",
    "build_model", "write_report", "bootstrap_diff_ci", "ParityResult", "IndependentResult",
    "Comparison", "INSTALL_HINT",
]
