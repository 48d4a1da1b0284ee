"""The held-out evaluation set (`tests/signals/data/eval_set.tsv`) stays well-formed and balanced.

These tests read the file as data only; they never classify it. Its figures are measured with
`tsunagari signals eval` and reported, not asserted, so that nothing tunes the classifier to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from signals import Severity
from signals.evaluate import LabelledMessage, read_eval_file
from signals.training.train import candidate_files, load_corpus

EVAL_SET = Path(__file__).parent / "data" / "eval_set.tsv"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# Every concept and every trap kind of the taxonomy has its own category in the set.
REQUIRED_CATEGORIES = {
    # critical concepts
    "passive_wish",
    "double_form",
    "burdensomeness",
    "tb_hopeless",
    "active_thoughts",
    "means_place",
    "means_question",
    "plan_time",
    "conditional_intent",
    "preparation",
    "farewell",
    "calm_after_distress",
    "act_underway",
    "self_harm",
    "voices_command",
    "prior_attempt",
    "historical_then_plan",
    "media_self",
    "violence",
    "quote_threat",
    "medical",
    "child_danger",
    "cry_for_help",
    # concern concepts
    "depression",
    "anxiety",
    "voices_worse",
    "distress_emoji",
    "hyperbole_distress",
    "burden_no_absence",
    "third_person_friend",
    "past_abuse",
    "boss_harassment",
    "hardship_utilities",
    "hardship_rent",
    "hardship_money",
    "hardship_food",
    "hardship_work",
    "hardship_debt",
    "hardship_medication",
    "homeless",
    "isolation",
    "loss",
    "relapse",
    "caregiving",
    # everyday talk and traps
    "everyday",
    "trap_idiom",
    "trap_negation",
    "trap_quote",
    "trap_media",
    "trap_third_person",
    "trap_resolved",
    "trap_means_ordinary",
    "trap_substring",
    "trap_endings_ordinary",
    "trap_shukatsu",
    "trap_help_trivial",
    "trap_body_relief",
    "trap_joke",
    "trap_hypothetical",
    "trap_dialect",
    "trap_slang",
}


@pytest.fixture(scope="module")
def rows() -> list[LabelledMessage]:
    return read_eval_file(EVAL_SET)


def test_the_set_is_large_enough(rows: list[LabelledMessage]) -> None:
    assert len(rows) >= 1000


def test_labels_are_spread_about_35_30_35(rows: list[LabelledMessage]) -> None:
    share = {s: n / len(rows) for s, n in Counter(m.label for m in rows).items()}
    assert 0.30 <= share[Severity.CRITICAL] <= 0.40
    assert 0.25 <= share[Severity.CONCERN] <= 0.35
    assert 0.30 <= share[Severity.NONE] <= 0.40


def test_japanese_and_english_are_about_two_to_one(rows: list[LabelledMessage]) -> None:
    japanese = sum(1 for m in rows if _JAPANESE.search(m.text))
    assert 0.60 <= japanese / len(rows) <= 0.72


def test_every_row_has_a_category_and_every_concept_and_trap_is_covered(
    rows: list[LabelledMessage],
) -> None:
    assert all(m.category for m in rows)
    counts = Counter(m.category for m in rows)
    assert not REQUIRED_CATEGORIES - set(counts), REQUIRED_CATEGORIES - set(counts)
    assert min(counts.values()) >= 3, [c for c, n in counts.items() if n < 3]


def test_traps_and_everyday_talk_are_labelled_none(rows: list[LabelledMessage]) -> None:
    for m in rows:
        if m.category.startswith("trap_") or m.category == "everyday":
            assert m.label is Severity.NONE, (m.line, m.text)


def test_no_message_appears_twice(rows: list[LabelledMessage]) -> None:
    folded = Counter(unicodedata.normalize("NFKC", m.text).casefold() for m in rows)
    assert [t for t, n in folded.items() if n > 1] == []


# Held-out lines that the training corpus also holds, word for word. 97 of them were in the
# first corpus, written beside this set on the same day (short, common messages: most are 4 to
# 13 characters); the other four came later. Rounds since 12 drop a drafted corpus line that
# equals, is inside or contains a held-out line, but these were never taken out, because taking
# them out is a retrain that moves every development table's floors. The README gives the
# figures on the lines the corpus does not hold beside the whole set's. The count may only fall.
SHARED_WITH_CORPUS = 101


def test_the_corpus_shares_no_more_held_out_lines_than_it_did(rows: list[LabelledMessage]) -> None:
    corpus = {e.text for e in load_corpus()}
    assert sum(m.text in corpus for m in rows) <= SHARED_WITH_CORPUS


def test_no_candidate_corpus_line_holds_or_is_inside_a_held_out_line(
    rows: list[LabelledMessage],
) -> None:
    # The corpus's own rule for new lines (signals/training/README.md), for the candidate lines
    # that wait for it (signals/training/candidates/): spelling, punctuation and spaces ignored.
    def key(text: str) -> str:
        return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold()) or text

    held = [key(m.text) for m in rows]
    for path in candidate_files():
        for line in load_corpus(path):
            k = key(line.text)
            assert not [h for h in held if h in k or k in h], (path.name, line.text)
