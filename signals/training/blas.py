"""The same model bytes on any x86-64 machine with AVX2.

OpenBLAS chooses its compute kernels by CPU model: the same training run gives weights that
differ in the last bits on, say, a Skylake-X and a Zen machine, and a feature at the pruning
threshold then stays on one and goes on the other. Fixing the kernel family (Haswell's
AVX2 kernels, which every AVX2 CPU runs, Intel and AMD alike) makes the rebuild bit for bit
wherever it runs. It must happen before numpy loads OpenBLAS, so this module imports
neither; an explicit OPENBLAS_CORETYPE is left alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["KERNELS", "pin_openblas_kernels"]

KERNELS = "Haswell"


def pin_openblas_kernels(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    """Set OPENBLAS_CORETYPE for this process if unset and the CPU has AVX2; returns the
    kernel family in force (None: OpenBLAS chooses)."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return os.environ["OPENBLAS_CORETYPE"]
    try:
        info = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not re.search(r"^flags\s*:.*\bavx2\b", info, flags=re.MULTILINE):
        return None
    os.environ["OPENBLAS_CORETYPE"] = KERNELS
    return KERNELS
