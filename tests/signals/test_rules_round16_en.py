"""Round 16, English (issue 10): the rules of signals/rules.toml's "Round 16, English" section,
each form in sentences other than the table lines it was found from, with the ordinary sentences
next to it that must not be read as a crisis; then the ordinary readings that stop false alarms,
each with a crisis next to it that they must not stop. Rules only: the learned layer is not
asked, so each row tests the rules themselves. The round's development tables are run through
the classifier the bot uses, at the floors they reached, in test_dev_tables.py.

The tables were written for English chat from people living in Japan (native speakers,
learners' English, romaji mixed in) in the forms the held-out set still misses, each blind after
the previous table's fixes and scored before any change (critical answered critical, critical
answered none, concern escalated, false critical, false concern):

- `dev_round16_en.tsv` (41): 0.889, 0.037, n/a, 0.286, 0.214.
"""

from __future__ import annotations

import pytest

from signals import Severity
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    # Whether a cord, a leash or a belt will hold a person.
    (C, "en.means.r16en_ligature_question", "would my belt hold a grown man"),
    (C, "en.means.r16en_ligature_question", "can the shower rail take my weight?"),
    (N, "", "will a dog leash hold my husky, she pulls a lot"),
    (N, "", "can the closet rod hold all my coats"),
    # A relapse or a clean count lost, with a blood or blade emoji.
    (C, "en.selfharm.r16en_relapse_blood", "relapsed, 200 days clean gone 🩸"),
    (C, "en.selfharm.r16en_relapse_blood", "🔪 relapsed again tonight"),
    (N, "", "back to day 1 🩸 cramps are killing me"),
    # Absence as the best or only gift one can give.
    (C, "en.burden.r16en_best_gift", "the only gift i can give my kids is to disappear"),
    (C, "en.burden.r16en_best_gift", "the best thing i could do for my family would be to die"),
    (N, "", "the best gift i can give my mum is a trip to okinawa"),
    (N, "", "the only thing i can do for them is work hard"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


# Readings that veto a learned raise to critical, each beside a crisis that must not be vetoed.
VETOES: list[tuple[bool, str]] = [
    (True, "fell asleep on the sofa again watching netflix"),
    (True, "just want to nap on the kotatsu all weekend"),
    (False, "want to fall asleep on the sofa and never wake up"),
    (True, "decided. quitting the gym and starting yoga"),
    (True, "decided to book the flight home"),
    (False, "i decided. this weekend"),
    (True, "took photos from the pedestrian bridge at sunset"),
    (False, "on the footbridge, one leg over the railing"),
    (True, "finished no longer human last night, the ending hit hard, 10/10"),
    (True, "rewatched 13 reasons why, the soundtrack still slaps"),
    (True, "the kids are playing in the snow, so cute"),
    (False, "the kid upstairs is playing on the balcony railing alone, 8th floor"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)


# Readings that veto a learned raise to concern (a low mood is all they could lift), each beside a
# crying message they must not veto.
MOOD_VETOES: list[tuple[bool, str]] = [
    (True, "graduation day, so proud of my son 😭"),
    (True, "the news about the actor who died is so sad"),
    (False, "crying alone every night 😭"),
]


@pytest.mark.parametrize(("vetoed", "text"), MOOD_VETOES)
def test_mood_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text, critical=False)
