"""Scores a learned layer blind on labelled tables: alone, and with the rules as the bot runs it.

Run: ``python -m signals.training.blind [--corpus CORPUS.tsv... | --model MODEL.json] TABLE.tsv...``
(needs the `train` extra, as the rest of this folder: ``--corpus`` trains from those corpus files
together first, e.g. the corpus and a candidate of `candidates/`, with ``--`` before the tables,
and without an option the shipped model is scored, its own corpus's lines left out).

A table is in the format of ``tsunagari signals eval``. The rules of every round were written
from the development tables' misses, so the rules and the learned layer together are not blind to
them; the learned layer alone is, as long as no table line is in its corpus (such lines are left
out and counted). "Alone" is the bot's own decision (`Classifier`) with no rule at all: the same
thresholds, the same doubt and distress raises, nothing to veto them. This is how a new corpus or
training recipe is compared with the shipped one before the development tables' floors (which
are pinned to the shipped model) are re-read (`signals/training/README.md`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from signals.classifier import Classifier, SeverityModel, default_rules, shipped_model
from signals.evaluate import LabelledMessage, Metric, evaluate, read_eval_file
from signals.learned import LearnedModel

__all__ = ["figures", "main"]


def figures(messages: Sequence[LabelledMessage], classifier: Classifier) -> str:
    """The five headline figures of `classifier` on `messages`, on one line."""
    report = evaluate(messages, lambda text: classifier.classify(text).severity)
    parts = []
    for metric in Metric:
        value = report.metric(metric)
        parts.append(f"{metric.value} {'-' if value is None else f'{value:.3f}'}")
    return " | ".join(parts)


def _model(args: argparse.Namespace) -> tuple[SeverityModel, frozenset[str]]:
    """The model to score and the texts it was trained on (empty when not known here)."""
    if args.corpus is not None:
        from signals.learned import extract_bag
        from signals.training.train import fit, load_corpora

        examples = load_corpora(args.corpus)
        fitted = fit([extract_bag(e.text) for e in examples], [e.label for e in examples])
        # The fitted model is the one the trainer would write (rounded weights), unserialised.
        return fitted.model, frozenset(e.text for e in examples)
    if args.model is not None:
        return LearnedModel.from_file(args.model), frozenset()
    from signals.training.train import load_corpus

    return shipped_model(), frozenset(e.text for e in load_corpus())


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m signals.training.blind", description=__doc__)
    source = ap.add_mutually_exclusive_group()
    source.add_argument(
        "--corpus", type=Path, nargs="+", help="train from these corpus files together first"
    )
    source.add_argument("--model", type=Path, help="a model file written by the trainer")
    ap.add_argument("tables", type=Path, nargs="+", help="labelled tables (signals eval format)")
    args = ap.parse_args(argv)
    model, trained_on = _model(args)
    alone = Classifier([], model=model)
    combined = Classifier(default_rules(), model=model)
    everything: list[LabelledMessage] = []
    for table in args.tables:
        rows = read_eval_file(table)
        blind = [m for m in rows if m.text not in trained_on]
        left_out = len(rows) - len(blind)
        note = f", {left_out} left out (in the corpus)" if left_out else ""
        print(f"{table.name}: {len(blind)} messages{note}")
        print(f"  learned layer alone: {figures(blind, alone)}")
        print(f"  rules + learned:     {figures(blind, combined)}")
        everything.extend(blind)
    if len(args.tables) > 1:
        print(f"all tables: {len(everything)} messages")
        print(f"  learned layer alone: {figures(everything, alone)}")
        print(f"  rules + learned:     {figures(everything, combined)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
