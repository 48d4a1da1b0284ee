"""Offline training of the learned layer (`python -m signals.training.train`).

Needs the `train` extra (scikit-learn); nothing at run time imports this package.
"""

from signals.training.blas import pin_openblas_kernels

__all__: list[str] = []

# Before train.py imports numpy, so a rebuild is bit for bit on any AVX2 CPU (see blas.py).
pin_openblas_kernels()
