"""The training run fixes OpenBLAS's kernel family on AVX2 CPUs, so the shipped model is
rebuilt bit for bit on any of them (the model was first built on a Zen machine, checked
again on a Skylake-X one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from signals.training.blas import KERNELS, pin_openblas_kernels


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse sse2 avx avx2 fma", KERNELS),
        ("fpu sse sse2 avx", None),  # no AVX2: OpenBLAS chooses, never an illegal instruction
        ("fpu sse avx2_like", None),
    ],
)
def test_kernels_follow_the_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: str, expected: str | None
) -> None:
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n", "utf-8")
    assert pin_openblas_kernels(cpuinfo) == expected


def test_an_explicit_choice_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    assert pin_openblas_kernels(tmp_path / "missing") == "Zen"


def test_no_cpuinfo_leaves_openblas_to_choose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    assert pin_openblas_kernels(tmp_path / "missing") is None
