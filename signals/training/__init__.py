"""Offline training of the learned layer (`python -m signals.training.train`).

Needs the `train` extra (scikit-learn); nothing at run time imports this package.
"""

__all__: list[str] = []
