"""The math: activations, losses, initializers, regularizers, layers, metrics, and the
per-batch workspace and flat parameter layout they run in. Pure NumPy; nothing here prints,
plots or touches a file."""
