"""Write tests/golden/<name>.npz for every config (run once, from the engine being replaced).

    .venv/bin/python tests/golden/record.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from configs import CONFIGS, GOLDEN_THREADS, arrays_of, run  # noqa: E402

if __name__ == "__main__":
    with threadpool_limits(GOLDEN_THREADS):
        for name in CONFIGS:
            np.savez(HERE / f"{name}.npz", **arrays_of(run(name)))
            print("recorded", name)
