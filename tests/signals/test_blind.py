"""Scoring a learned layer blind on labelled tables (`signals.training.blind`)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the `train` extra (scikit-learn) is not installed")

from signals.classifier import Classifier, shipped_model
from signals.learned import DEFAULT_MODEL_PATH
from signals.rules import Severity
from signals.training.blind import main
from signals.training.train import CORPUS_PATH, candidate_files, load_corpora, load_corpus


def _table(tmp_path: Path) -> Path:
    in_corpus = next(e for e in load_corpus() if e.label is Severity.CRITICAL)
    rows = [
        ("critical", "-", "もう消えたいよ、ほんまに疲れた", "passive_wish"),
        ("critical", "-", "i want to die tonight, sorry everyone", "plan_time"),
        ("critical", "-", in_corpus.text, in_corpus.category),
        ("concern", "-", "ガスが止まったまま三日目、寒い", "hardship_utilities"),
        ("none", "-", "今日はいい天気ですね、洗濯日和", "everyday"),
        ("none", "-", "had a nice walk today by the river", "everyday"),
    ]
    path = tmp_path / "table.tsv"
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_classifier_without_rules_is_the_learned_layer_alone() -> None:
    alone = Classifier([], model=shipped_model())
    result = alone.classify("もう消えたい")
    assert result.severity is Severity.CRITICAL
    assert result.rules == ("model:critical",)
    assert Classifier([]).classify("もう消えたい").severity is Severity.NONE


def test_blind_figures_leave_out_the_corpus_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(_table(tmp_path))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "table.tsv: 5 messages, 1 left out (in the corpus)"
    alone, combined = out[1], out[2]
    assert alone.startswith("  learned layer alone: critical_answered_critical 1.000 |")
    assert combined.startswith("  rules + learned:     critical_answered_critical 1.000 |")
    assert "false_critical_on_everyday 0.000" in combined


def test_a_model_file_is_scored_on_every_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _table(tmp_path)
    assert main(["--model", str(DEFAULT_MODEL_PATH), str(table), str(table)]) == 0
    out = capsys.readouterr().out.splitlines()
    # The file's corpus is not known here, so nothing is left out; two tables add a total.
    assert out[0] == "table.tsv: 6 messages"
    assert out[6] == "all tables: 12 messages"


def test_several_corpus_files_are_one_training_set(tmp_path: Path) -> None:
    extra = tmp_path / "candidate.tsv"
    line = "none\teveryday\t短い返事でごめんね、元気です\n"
    extra.write_text("# a candidate\n" + line, encoding="utf-8")
    corpus = load_corpus()
    both = load_corpora([CORPUS_PATH, extra])
    assert both[: len(corpus)] == corpus
    assert [e.text for e in both[len(corpus) :]] == ["短い返事でごめんね、元気です"]


def test_the_candidate_lines_are_not_in_the_corpus() -> None:
    corpus = {e.text for e in load_corpus()}
    for path in candidate_files():
        lines = load_corpus(path)
        assert lines, path.name
        assert not [e.text for e in lines if e.text in corpus], path.name
