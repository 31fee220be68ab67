"""Argument checks shared by the public entry points: each error names the argument,
what was given and what was expected."""

from __future__ import annotations

import math
import numbers

import numpy as np

DTYPES = ("float32", "float64")


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """An int >= minimum (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_real(
    value,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_min: bool = False,
    exclusive_max: bool = False,
) -> float:
    """A finite real number within the given bounds."""
    if minimum is not None and maximum is not None:
        expected = (f"in {'(' if exclusive_min else '['}{minimum}, {maximum}"
                    f"{')' if exclusive_max else ']'}")
    elif minimum is not None:
        expected = f"{'>' if exclusive_min else '>='} {minimum}"
    elif maximum is not None:
        expected = f"{'<' if exclusive_max else '<='} {maximum}"
    else:
        expected = "a real number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number {expected}, got "
                        f"{type(value).__name__}: {value!r}")
    value = float(value)
    too_low = minimum is not None and (value <= minimum if exclusive_min else value < minimum)
    too_high = maximum is not None and (value >= maximum if exclusive_max else value > maximum)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {'finite and ' if not math.isfinite(value) else ''}"
                         f"{expected}, got {value}")
    return value


def check_dtype(dtype) -> np.dtype:
    """float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be one of {DTYPES}, got {dtype!r}") from exc
    if dt.name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return dt


def _to_numpy(data, name: str, numeric: bool = True) -> np.ndarray:
    """np.asarray with ragged input, sparse matrices, pandas objects and non-numeric
    columns handled (DataFrame column order is kept)."""
    if hasattr(data, "toarray") and hasattr(data, "nnz"):
        raise TypeError(f"{name} is a sparse matrix ({type(data).__name__}); npmlp needs a "
                        f"dense array: pass {name}.toarray()")
    if hasattr(data, "columns") and hasattr(data, "dtypes") and hasattr(data, "to_numpy"):
        if not numeric:
            return data.to_numpy()
        bad = [str(c) for c, dt in zip(data.columns, data.dtypes) if not _numeric_kind(dt)]
        if bad:
            raise TypeError(f"{name} has non-numeric columns: {', '.join(bad)}; expected "
                            f"numbers in every column (encode or drop them)")
        if any(not isinstance(dt, np.dtype) for dt in data.dtypes):  # nullable Int64 etc.
            return data.to_numpy(dtype=np.float64, na_value=np.nan)
        return data.to_numpy()
    if hasattr(data, "to_numpy") and hasattr(data, "dtype"):  # pandas Series
        if numeric and not isinstance(data.dtype, np.dtype) and _numeric_kind(data.dtype):
            return data.to_numpy(dtype=np.float64, na_value=np.nan)
        return data.to_numpy()
    try:
        return np.asarray(data)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array (every row of the same "
                         "length and depth); it has ragged rows") from None


def _numeric_kind(dt) -> bool:
    if not isinstance(dt, np.dtype):  # a pandas extension dtype (Int64, boolean, string, ...)
        try:
            from pandas.api.types import is_numeric_dtype
        except ImportError:
            return False
        return bool(is_numeric_dtype(dt))
    return dt.kind in "biuf"


def check_X(X, dtype, name: str = "X", n_features: int | None = None) -> np.ndarray:
    """A finite 2-D numeric array of shape (n, d), n >= 1 and d >= 1, cast to dtype."""
    dtype = check_dtype(dtype)
    A = _to_numpy(X, name)
    if A.dtype.kind == "b":
        raise TypeError(f"{name} must be numeric, got a bool array; cast it to float first")
    if A.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got a complex array")
    if A.dtype.kind not in "iuf":
        if A.dtype.kind == "O":
            try:
                A = A.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{name} must be numeric, got objects or strings") from None
        else:
            raise TypeError(f"{name} must be numeric, got dtype {A.dtype}")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {A.shape})")
    if A.shape[1] == 0:
        raise ValueError(f"{name} has 0 features (shape {A.shape})")
    if n_features is not None and A.shape[1] != n_features:
        raise ValueError(
            f"{name} has {A.shape[1]} features, but the model expects {n_features}"
        )
    A = np.ascontiguousarray(A, dtype=dtype)
    if not np.isfinite(A).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return A


def check_y(y, n_samples: int | None, name: str = "y") -> np.ndarray:
    """A 1-D or 2-D array with n_samples rows (labels of any kind, or numbers); None: any."""
    A = _to_numpy(y, name, numeric=False)
    if A.ndim == 0 or A.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {A.shape})")
    if A.dtype.kind == "O":
        A = _object_labels(A, name)
    if n_samples is not None and A.shape[0] != n_samples:
        raise ValueError(f"X and {name} have different lengths: {n_samples} and {A.shape[0]}")
    if A.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got a complex array")
    if A.dtype.kind == "f" and not np.isfinite(A).all():
        raise ValueError(f"{name} contains NaN or infinity")
    if A.dtype.kind == "V":
        raise TypeError(f"{name} must hold labels or numbers, got a structured dtype {A.dtype}")
    return A


def _object_labels(A: np.ndarray, name: str) -> np.ndarray:
    """An object array of labels as numbers or strings; missing values and mixes refused."""
    flat = A.ravel()
    missing = [i for i, v in enumerate(flat) if v is None or (isinstance(v, float) and v != v)]
    if missing:
        raise ValueError(f"{name} has missing values (None/NaN) at {len(missing)} position(s), "
                         f"first at flat index {missing[0]}; expected a label for every sample")
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in flat):
        return A.astype(np.float64)
    if all(isinstance(v, str) for v in flat):
        return A.astype(str)
    kinds = sorted({type(v).__name__ for v in flat})
    raise TypeError(f"{name} mixes value types {kinds}; expected all numbers or all strings")


def check_sample_weight(sample_weight, n: int, dtype) -> np.ndarray | None:
    """None, or a finite non-negative (n,) array in dtype with a positive sum."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf" or w.dtype.kind == "b":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}")
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and >= 0")
    if not w.any():
        raise ValueError("sample_weight is all zeros: nothing to learn from")
    return np.ascontiguousarray(w, dtype=dtype)
