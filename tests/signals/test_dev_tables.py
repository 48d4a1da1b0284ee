"""The development tables (issue 10) through the classifier the bot uses.

Each round of work on the classifier writes tables of messages for what it aims at, fixes their
misses in general form, and keeps their floors here.

Round 13: `dev_round13.tsv` was written from the taxonomy for the categories the held-out set
found weak (plans and times with no death word, preparation, farewells, double forms, places, quoted
threats, and every trap kind); its misses were fixed in general form (rules, new corpus lines),
so its floors guard those fixes. `dev_round13b.tsv` was written after them, to see how they carry
to new sentences; four of its misses were then fixed too. `dev_round13c.tsv` was written after
the rules the corpus replay suggested, with ordinary twins of them (a train waited for, a view
past a railing, a goodbye until tomorrow); its false alarms were fixed. `dev_round13d.tsv`, the
last, covers the critical concepts the others covered less (passive wishes, burdensomeness,
self-harm, symptoms, a child, conditions, history then plan); its misses were fixed, and two of
its traps were given concern as also accepted, as the taxonomy allows (a friend's relative taken
ill, self-harm told as over). `dev_round13e.tsv` holds only ordinary twins of round 13's rules,
written to find where they over-reach; its false alarms that rules could stop were fixed. No
table is training data: no line equals or sits inside a corpus line (checked below), and none
equals, sits inside or contains a held-out line, however short (checked when they were
written; that set is never read here).

Round 14, English: `dev_round14_en.tsv` was written for English chat from people living in Japan
(foreign residents, students, mixed Japanese-English) in the categories the held-out set found
weak (farewells as sign-offs, a date or a spot chosen, doses and places, preparation, double
forms, passive wishes, burdensomeness, slang; PHQ-9 signs, wages, visas, rent and debt, losses,
loneliness; and every trap kind). Four of its messages take a second label the taxonomy allows
(a friend's death wish: critical; a stranger fainting, self-harm told as over, reassurance with
loneliness: concern). Before its fixes it read critical answered critical 0.873, critical
answered none 0.076, concern escalated 0.932, false critical 0.145, false concern 0.058; its
misses were fixed in general form (rules of the "Round 14, English" section, new corpus lines).
`dev_round14_en_b.tsv` was written blind after those fixes: it first read 0.966, 0.000, 0.895,
0.103 and 0.034, and its misses were then fixed too. One trap stays critical on purpose ("I
wanna die" about a boring lecture: in doubt, critical). `dev_round14_en_c.tsv` holds ordinary twins
of the round's rules (signing off for tonight, a spot for the fireworks, the dishes once a roommate
is out, a will with a notary, food for days of camping) and a few crisis variants; written after
the rules, it first read false critical 0.323 and false concern 0.129 (the rules' over-reach and
a strict mum's curfew), which rules and corpus lines then brought down. `dev_round14_en_d.tsv`
was written blind after the rules for the forms the corpus replay showed only the model knew (no
point being alive, N more days and I'm gone, letters left, a head against the wall, a knife in his
hand, please hurry): it first read false critical 0.588 (away for the summer, a subscription
cancelled for a reason, a finale tonight, the courier at the door, a head bumped on a shelf, a
soufflé that collapsed), and one ordinary message stays critical (a recipe tried once before).
`dev_round14_en_e.tsv` holds mixed Japanese-English and romaji messages, written after the round's
"mix" rules: it first read critical answered critical 0.800 and concern escalated 0.889 (a time
and a crossing in kanji, a baito that fired me), both then fixed.

Round 14, Japanese: `dev_round14_ja.tsv` (191 messages) was written from the taxonomy for the
Japanese categories the held-out set found weak (farewells, plans with a time and no death
word, means and places without a method verb, preparation, double forms, passive wishes,
burdensomeness, active thoughts; PHQ-9 signs, food, debt, rent, unpaid wages, losses,
isolation; every trap kind and everyday talk in dialect, kana and slang voices); its misses
were fixed in general form. `dev_round14_ja_b.tsv` (78) was written blind after those fixes and
scored before any change (critical caught 0.964, concern escalated 0.895, false critical
0.032, false concern 0.032); the misses that named a general form were then fixed.
`dev_round14_ja_c.tsv` (38), written blind after that, is mostly everyday talk, sore bodies and
resolved needs, the ordinary messages answered concern (false critical 0.037, false concern
0.222 before its fixes). After the first run, three burden-without-absence lines of the first
table were given critical as also accepted and a friend's pet's death concern, as the taxonomy
allows. `dev_round14_ja_d.tsv` (28) holds only ordinary twins of the round's rules, written blind
after them (false critical 0.643, false concern 0.179 at first); the rules were narrowed where
they fired, and ordinary twins went into the corpus; what is left is the model's.

Round 14, the lead's table: `dev_round14_lead.tsv` (45 messages, both languages) was written
after every other round-14 rule had landed, blind, for the critical categories the held-out set
finds weakest (farewells, plans and times, places and doses, double forms, preparation,
passive wishes, burdensomeness) and ordinary twins of them; 13 drafted lines that equalled, sat
inside or contained a held-out line were dropped first. Scored before any fix it read critical
answered critical 0.935, critical answered none 0, false critical 0.286 and false concern
0.143 (a handover to a new worker, a last message from an old number, dinner decided, a report
called will-like in jest); the forms behind its misses are rules now.

Round 15, the lead's table: `dev_round15_lead.tsv` (53 messages, mostly Japanese) was written
blind in the voices crisis lines use (関西, 博多, 広島 and 東北 dialect, kana-only, katakana
telegram, romaji) for the weakest critical categories (preparation, plans and times, places,
farewells, a crisis framed through a story or a song), with ordinary twins in the same voices
and a few concerns; 7 drafted lines that contained a held-out line were dropped first. Scored
before any fix it read critical answered critical 0.720, critical answered none 0.120, concern
escalated 0.800, false critical 0.217 and false concern 0.130: wishes in dialect endings
(楽になりたか, 生ぎでいだぐね), a place and から終わらせたい, a day and いなくなる, doing as a
story's ending did, a romaji "saigo ni suru", wages unpaid in a dialect negative; and medicine
that lasts until a date, a keepsake given as a wedding present, a wait at a level crossing, a
knife held to cook, a recipe that failed. The forms behind its misses are rules now.
`dev_round15_lead_b.tsv` (52), written blind after those rules in the same voices for violence
now, symptoms, a child, self-harm, cries for help, farewells and the intake's concerns (12
drafted lines that contained a held-out line dropped), first read 0.957, 0, 1.000, 0.176 and
0.176: a wish not to wake (寝たまんま起きんでええ), and ordinary talk in dialect the rules or
the model read as danger (a rope bought for a tent, full after dinner, a fever gone down, a
utility paid and back on, grandad slow in the toilet, a husband asleep after a drink); those
readings are rules now. `dev_round15_lead_c.tsv` (39), written blind after that in other voices
(沖縄, 名古屋, 京都, 北海道, young slang, older keigo, voice input with a wrong kanji, emoji; 7
drafted lines dropped), first read 0.938, 0, 1.000, 0.353 and 0.118: a parent kicking a
sibling, and the model's false alarms on everyday twins of crisis lines (an errand for the way
back, a letter for a birthday, a pharmacist's warning, a collapse that was only anaemia, too
cosy to leave, a snoring husband). Those are rules now; the model's lean on such twins is what
corpus lines must teach it. `dev_round15_lead_d.tsv` (31, both languages) says crises in
passing inside longer, chatty messages (a report of the day, then one sentence of a plan, a
place, a farewell or a dose) beside long ordinary messages with a twin sentence; blind it read
0.643, 0.286, 0.667, 0.214 and 0: the weakest of the round. Its misses are rules now (medicine
bought and laid out, "tonight i'm finally going to do it", a spot where nobody goes, a count
that should be enough, rent next month unsure; the next session arranged, a walk to the shops,
a pet minded during a trip); one crisis stays answered none, a sister's smile seen "for the last
time", which reads the same as a goodbye to someone else. `dev_round15_lead_e.tsv` (24) holds
replies to a check-in as people write them to their support team (a report of the week, with a
crisis in one clause, and the same reports without it; 4 drafted lines dropped); blind it read
0.800, 0.200, 1.000, 0.200 and 0.100: a day by which everything is stopped (日曜日で全部やめに
しよう), "what if I fell from here", and reports read as farewells (family helping, rent paid,
see you at next month's session). Those are rules now. `dev_round15_lead_f.tsv` (25) is about
spelling (a wrong kanji from voice input, half-width katakana, stretched and small kana,
kaomoji, letters spaced out); 7 drafted lines equalled, sat inside or contained a held-out line
and were dropped, a sign the held-out set covers this ground. Blind it read 0.833, 0.167,
1.000, 0.100 and 0: 市に体 for しにたい, さよおなら spelled with お, and "what does OD stand
for"; those are rules now. `dev_round15_lead_g.tsv` (28) holds the trap kinds that still
draw a false critical on the held-out set (jokes, negated thoughts, media, trivial help,
ordinary endings, quotes, third person) in both languages, with five crises close to them (6
drafted lines dropped); blind it read 0.600, 0.200, n/a, 0.174 and 0.087: self-harm negated as
〜たりはしてない, SOS about a fridge door, goodbyes on a last shift, a cut that was a cooking
accident, a licence returned in old age, "telling myself not to die", and a blog closed beside a
life ended the same day (an older block's reach stopped before 人生). Those are rules now; two
ordinary messages stay concern by design (a neighbour's ambulance is a look at most, and a
negated thought the model still reads as distress). `dev_round15_lead_h.tsv` (22) holds
English replies to a check-in from people living in Japan, a crisis in one clause beside the
same reports without it (1 drafted line dropped); scored blind with the round's other rules
merged in, it read 1.000, 0, 1.000, 0.111 and 0.222: shifts "cut again" read as self-harm (and
a crisis that only that misreading had caught: others better off with the insurance money), a
second job found, a child back to nursery. Those are rules now; a work app locked by mistake
stays concern.

More of the lead's round-15 tables, each written blind after the one before and scored before
any change: `dev_round15_lead_i.tsv` (35) is the 生活困窮 intake (food, rent, utilities, cash to
payday, wages, medication, a bed tonight, debt) in many voices beside ordinary twins (a diet, a
fast before a check-up, rice about to be bought, camping; 3 drafted lines dropped); blind it read
concern escalated 0.950 and false concern 0.467. Nights in a net cafe with nothing else
affordable, and the twins' readings (a fast before a test, a diet, payday looked forward to, a
refill already arranged, a campsite without water, a shop planned) are rules now.
`dev_round15_lead_j.tsv` (26) is young people's net slang for wishes, plans and self-harm (来世,
人生リセット, 異世界転生, 界隈, 病み垢, 飛ぶ, 〆る) beside the same words in play (2 drafted lines
dropped); blind it read 0.833, 0.083, n/a, 0.071 and 0.143: 人生〆たい, "once I have seen my
fave's birthday, I end", a life "reset" by a haircut, 病み垢 said not made, an app deleted to
study. `dev_round15_lead_k.tsv` (27) holds Japanese crises that tend to be read as a concern
(violence now in mild words, active thoughts said softly, commanding voices, an attempt just
made, a sudden calm, symptoms told calmly) beside twins that open the same way; blind every
crisis was critical and false critical was 0.500: the model reads an everyday sentence that
opens like a crisis line as one (a drunk husband asleep in the hall, ways to get up early, a
mother left to sleep in on Sunday, a fave's concert, tears of joy); two twins stay concern (an
ex-husband named, a hole in the wall from a ball). `dev_round15_lead_l.tsv` (20; one ordinary
line, a rope ladder, added after its fixes to reach the tables' minimum, was answered critical
and is now stopped) holds English traps that still draw a false critical on the held-out set
and four crises written as the ordinary reading negated (3 drafted lines dropped); blind it
found none of the four (critical answered none 1.000) and read false critical 0.067. Each was
stopped by an older context rule reaching over it (a documentary about 青木ヶ原 then "I know
where I'm going", a grandmother's "don't leave before your time" then "I'm sorry", moving out
"not to a new place", a rope "for me, not for camping"): their rules start after the ordinary
span, "used to say" no longer reads as the speaker's own past, and two rope readings stop
before 用じゃなくて. `dev_round15_lead_m.tsv` (21) holds food running short and relapse, the
concerns the retrain on the merged corpus answered less often on the held-out set, beside
twins (2 drafted lines dropped); blind it read concern escalated 0.857 and false concern 0.429
(school lunch the only sure meal, asking where food can be had; a meal skipped for being busy,
a snack to be made); a gym skipped "again" stays concern. `dev_round15_lead_n.tsv` (22) holds
farewells, preparation and plans in the formal Japanese older people use with their support
staff, beside the same forms for a retirement, a move or a stay in hospital (2 drafted lines
dropped); blind it read 0.800, 0.100, n/a, 0 and 0.167 (funeral money set aside with where it
is told, alone at night to the sea with "do not worry"; a move to family or into care, a train
to a daughter's). `dev_round15_lead_o.tsv` (20; one ordinary line added after its fixes to
reach the minimum) is English from people living in Japan naming Japanese places, trains and
shops in crises of means, places and plans, in learner's English, beside the same names in
ordinary talk (1 drafted line dropped); blind it read 0.667, 0.111, n/a, 0.300 and 0.100 ("my
life finish", unable to go back in from a balcony, not coming any more "forever"; a bridge seen
from a boat, a trip enjoyed, rope for a balcony garden, a visa renewal in hand).
`dev_round15_lead_p.tsv` (20) holds double forms and crises framed through a story,
a song, a post or the news about oneself, beside jokes and media talk (5 drafted lines dropped,
a sign the held-out set covers this ground); its first 16 read blind 0.375, 0.500, n/a, 0 and 0:
"I'm not joking" negated the wish after it, a media mention blocked a crisis the sentence then
tied to oneself (うちの部屋でもできそう, 私のことだ, "i want that too"), and "it was not a joke"
after a joke; four more written after those fixes read 0.500 and 0.500 (the pills "right
here", a story's ending and a lake). `dev_round15_lead_q.tsv` (20), written after the round's
last merge, holds English plans, preparation and farewells beside the same forms in ordinary
life (2 drafted lines dropped, 2 written in their place before scoring); blind it read 0.900,
0, n/a, 0.400 and 0: "I won't be here to feed her", and then done with exams, a note for the
plumber, "by the time you read this" on a plane, papers shown while away. The forms behind every
table's misses are rules now (`tests/signals/test_rules_round15_lead.py`).

Round 16, the lead's: `dev_round16_lead.tsv` (39) holds the critical categories the tables had
least of (a sudden calm after distress, a child in danger now, an act under way, voices telling
one to die, a past attempt with intent now, symptoms of an emergency) in both languages, beside
ordinary twins in the same words (1 drafted line dropped). Blind it read 0.870, 0.043, n/a,
0.312 and 0.312: the crises held up, their twins did not (a toy's battery cover, a cold medicine
and sleepiness, a father snoring on the couch, slurring from drink, relief after an exam, a
choice of university). `dev_round16_lead_b.tsv` (21), written blind after those fixes, holds
crises written as the answer to a check-in question (slept, ate, mood) beside the same answers
in ordinary life; 15 of 36 drafted lines were dropped, their check-in openings colliding with
held-out or corpus lines. Blind it read 0.818, 0, n/a, 0.200 and 0.400 (no need to eat any more
and a last proper meal read as concern; chairs counted as "enough", a trip arranged, the last
pudding, a bench in the breeze, a job at last over). `dev_round16_lead_c.tsv` (28), written
blind after those, holds danger from others (control of phone and papers, a son after a
pension, collectors, followed home, papers withheld at work), a child in danger, summons and
stop-me cries and burdensomeness tied to absence, beside twins (5 drafted lines dropped). Blind
it read 1.000, 0, n/a, 0.333 and 0.167: every crisis found, the twins over-read (a courier
knocking, a daughter studying late, a baby who won't stop giggling, a jar lid). One ordinary
line stays concern (私がいなくても、母は元気に旅行楽しんでる): "if I am not there" is
burdensomeness's own form, and a worker looking is the lesser harm. `dev_round16_lead_d.tsv`
(26), written blind after those, puts a crisis of one's own beside the words of an ordinary
reading in the same message (a drama watched, an exam over, "a funny story", a need met, a
friend's past, self-harm told as over, the news), beside messages where the ordinary reading is
all of it (4 drafted lines dropped). Blind it read 0.692, 0.308, n/a, 0.308 and 0.077, the
weakest of the round: the readings of a past act with present coping reached a "but yesterday I
did it again", a news story blocked the bridge the message then placed near home, and nothing
knew "I need not be saved" or "thinking of doing the same" after someone's attempt. One ordinary
line stays concern (a friend's heartbreak, and "I had a time I thought the same").
`dev_round16_lead_e.tsv` (23), written blind after those, does the same with idioms, jokes,
quotes, someone else's death and met needs (死ぬほど, 笑える話, "killing me lol", "dying to"; 6
drafted lines dropped). Blind it read 0.667, 0.250, n/a, 0.182 and 0.273: a rope reading took
「キャンプですか」 asked by a clerk as a camping trip, "killing me lol" put a dose question down as
a joke, and nothing knew wanting to go over to a pet that died or "if I'm still around by then";
the edge of a pool was a ledge. Two ordinary lines stay concern (死ぬほど疲れた, and a cat's
death a year on: exhaustion and loss are concerns the taxonomy keeps).
`dev_round16_lead_f.tsv` (27), written blind after those, holds concerns said in passing (the
intake's utilities, rent, a guarantor, cash to payday, unpaid wages, medicine running out,
nowhere to sleep; loneliness, no joy, worry, relapse, losses) beside everyday twins (5 drafted
lines dropped). Blind it read concern escalated 0.941, false critical 0 and false concern 0.300:
unpaid wages with the month between (バイト代、先月分まだ振り込まれてない) went unheard, the
pink water notice read as a crisis to the model, and a week of a favourite's streams, a library
book's final notice and sleeping in on holiday read as concerns. `dev_round16_lead_g.tsv`
(25), written blind after those, holds conditional intent (〜たら + an ending, "if X, I'm done")
and questions of means or relief beside the same conditionals and questions about ordinary
things (4 drafted lines dropped). Blind it read 1.000, 0, n/a, 0.385 and 0.154: every crisis
found, and the learned layer read ordinary 〜たら conditionals as crises (an outing if he does not
come back, a cat missing its owner on a trip, how much drink makes one drunk: 0.77-0.99), and
"is 30 minutes enough" as a dose. One ordinary line stays concern (家賃払えなかったら、分割に
してもらう約束: rent trouble, arranged). `dev_round16_lead_h.tsv` (25) holds everyday verbs
that are also a crisis's verbs (消えた, 切った, 飛んだ, ためてる, 最後; gone, done, cut, jump,
saving up), the ordinary use beside the crisis (4 drafted lines dropped); blind it read 1.000,
0, n/a, 0.133 and 0.067 (a fringe cut too short read as a cut too deep, plans blown away by a
stopped train, a last shift at a cafe). The misses of the eight tables are rules now
(`tests/signals/test_rules_round16_lead.py`).

Round 17 (helper sessions): `dev_round17_ja.tsv` (296) and `dev_round17_en.tsv` (283) were
written blind as corpus lines for the learned layer, in the forms it misses most (places and
doses without a method verb, plans and times, preparation, farewells, a crisis tied to a story,
acts under way) with an ordinary twin for most crises, in the voices people write in (dialect,
kana-only, telegram style, slang; learners' and texting English from people in Japan). A
retrain with them moved the development tables' learned layer alone a little (critical answered
none 0.106 -> 0.103, false critical 0.156 -> 0.149) but the held-out set's false critical from
0.026 to 0.032 and 27 tables' floors, and it lost "help, the car crashed and my son is
bleeding" (test_distress.py); it was not kept. So they are tables instead, and no rule was
written from them: blind figures of the classifier on forms no round wrote, and a blind measure
for the next learned layer (keep them out of the corpus if they choose one). Today's figures are
their floors, one-sided, so a later change may only improve them: Japanese 0.776 / 0.147 /
0.938 / 0.140 / 0.058, English 0.630 / 0.210 / 0.742 / 0.088 / 0.105 (critical answered
critical, critical answered none, concern escalated, false critical, false concern).

Round 18 (helper sessions): `dev_round18_ja.tsv` (154) and `dev_round18_en.tsv` (160) were
written blind in the register a check-in bot hears most: apologies for a late or short reply,
rescheduling, ordinary "can't", tired-but-fine, a relative's clinic visit, a broken phone,
thanks that look forward; and crises and concerns in the same register (an apology that is a
farewell, a late reply because of an overdose, a platform named after "sorry I didn't reply").
Read first by the classifier as the round found it (round 16's rules, round 15's model):
Japanese 0.939 / 0.061 / 0.938 / **0.169** / 0.191, English 0.970 / 0.000 / 0.938 / 0.042 /
0.137. The learned layer reads Japanese apologies,
thanks and polite requests as farewells (15 of 89 everyday replies critical). A reading of an
apology for a late reply, written from the lead's own probe before the tables were read, hid a
crisis on a platform and two concerns here and was not kept; three narrower readings from the
same probe moved English false critical to 0.032 and Japanese false concern to 0.180 blind.
Then the tables' misses became rules (signals/rules.toml, "Round 18", and
test_rules_round18.py): "not fine" said plainly (大丈夫じゃない read as nothing), a seizure by
its signs, thanks in kana, a see-you that can no longer be said, and guarded ordinary readings
of a meeting moved, an illness that ended well, "元気です" closing a reply, a reply promised for
later, a weekend plan and a move. Their floors are the figures after those rules: Japanese
1.000 / 0.000 / 0.969 / 0.067 / 0.157, English 1.000 / 0.000 / 0.969 / 0.011 / 0.105.
`dev_round18_b.tsv` (200, 119 Japanese) was written blind afterwards, in new voices (older
people living alone, carers, students, English as a second language), to see whether those
rules transfer: before them 1.000 / 0.000 / 0.950 / 0.217 / 0.150, after them 1.000 / 0.000 /
0.950 / **0.183** / 0.142 (Japanese false critical 0.225, 16 of 71). No rule was written from
it; it is the yardstick for the learned layer's reading of this register. A retrain with 247
corpus lines in the register (written blind to all three tables) took its false critical to
0.117 and false concern to 0.083, but answered none 0.178 -> 0.214 of round 17's crises, and
was not kept (signals/training/README.md; 169 of the lines wait in
signals/training/candidates/round18_register.tsv).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from signals import Severity
from signals.classifier import default_classifier
from signals.evaluate import LabelledMessage, Metric, evaluate, read_eval_file
from signals.training.train import CORPUS_PATH, candidate_files, load_corpora

DATA = Path(__file__).parent / "data"

# Floors at what the tables reached when they were added (December 2026), so that a later rule
# or retrain that loses one of these forms is noticed. (at least, at most) per metric.
# The tables' misses were fixed against the binary model of format 1; the counted model of
# format 2, retrained from the same corpus, moved six messages of 520 and the floors were
# re-read then: dev_round13 one crisis (a farewell that only reads bright) answered none and
# one ordinary message answered concern; dev_round13c one more crisis answered none (a room
# emptied and boxes labelled); dev_round13e two more trap messages answered critical and one
# more answered concern. On the held-out set and in the corpus replay the two models are
# equal or the counted one better (signals/training/README.md).
FLOORS: dict[str, dict[Metric, tuple[float, float]]] = {
    "dev_round17_ja.tsv": {
        Metric.CRITICAL_CAUGHT: (0.776, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.147),
        Metric.CONCERN_ESCALATED: (0.938, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.140),
        Metric.FALSE_CONCERN: (0.0, 0.058),
    },
    "dev_round17_en.tsv": {
        Metric.CRITICAL_CAUGHT: (0.630, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.210),
        Metric.CONCERN_ESCALATED: (0.742, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.088),
        Metric.FALSE_CONCERN: (0.0, 0.105),
    },
    "dev_round18_ja.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (0.969, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.067),
        Metric.FALSE_CONCERN: (0.0, 0.157),
    },
    "dev_round18_en.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (0.969, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.011),
        Metric.FALSE_CONCERN: (0.0, 0.105),
    },
    "dev_round18_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (0.950, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.183),
        Metric.FALSE_CONCERN: (0.0, 0.142),
    },
    "dev_round16_lead.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_lead_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_lead_d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.077),
    },
    "dev_round16_lead_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.182),
    },
    "dev_round16_lead_f.tsv": {
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_lead_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.077),
    },
    "dev_round16_lead_h.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_lead_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.084),
    },
    "dev_round14_en.tsv": {
        Metric.CRITICAL_CAUGHT: (0.987, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.014),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_en_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_en_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_en_d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.059),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_en_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round13.tsv": {
        Metric.CRITICAL_CAUGHT: (0.992, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.008),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.008),
    },
    # Round 15's merged retrain moved one crisis of this table (a farewell to a grandmother that
    # reads as going out, ばーちゃん、先にいってくるね) from critical to none.
    "dev_round13b.tsv": {
        Metric.CRITICAL_CAUGHT: (0.972, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.028),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.065),
    },
    "dev_round13c.tsv": {
        Metric.CRITICAL_CAUGHT: (0.953, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.047),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.087),
    },
    "dev_round13d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round13e.tsv": {
        Metric.FALSE_CRITICAL: (0.0, 0.2),
        Metric.FALSE_CONCERN: (0.0, 0.1),
    },
    "dev_round14_ja.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.027),
    },
    "dev_round14_ja_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_ja_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round14_ja_d.tsv": {
        Metric.FALSE_CRITICAL: (0.0, 0.214),
        Metric.FALSE_CONCERN: (0.0, 0.25),
    },
    "dev_round14_lead.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.071),
    },
    "dev_round15_lead.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_d.tsv": {
        Metric.CRITICAL_CAUGHT: (0.929, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.071),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_f.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.087),
    },
    "dev_round15_lead_h.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.111),
    },
    "dev_round15_lead_i.tsv": {
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_j.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_k.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.167),
    },
    "dev_round15_lead_l.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.067),
    },
    "dev_round15_lead_m.tsv": {
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.143),
    },
    "dev_round15_lead_n.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_o.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_lead_p.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.1),
    },
    "dev_round15_lead_q.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    # The Japanese helper's round-15 tables (tests/signals/data/dev_round15_ja*.tsv), each
    # written blind and scored before any fix. Blind figures (critical answered critical,
    # critical answered none, concern escalated, false critical, false concern):
    #   dev_round15_ja.tsv   (94): 0.860, 0.060, 0.900, 0.147, 0.059
    #   dev_round15_ja_b.tsv (59): 0.733, 0.167, 0.800, 0.208, 0.167
    #   dev_round15_ja_c.tsv (52): 0.840, 0.080, 1.000, 0.050, 0.200
    #   dev_round15_ja_d.tsv (39, 30 of them ordinary twins of the round's rules): 0.889,
    #                          0.111, n/a, 0.233, 0.067
    #   dev_round15_ja_e.tsv (43): 0.800, 0.150, 1.000, 0.118, 0.118
    #   dev_round15_ja_f.tsv (39): 1.000, 0.000, 1.000, 0.174, 0.043
    #   dev_round15_ja_g.tsv (32): 0.722, 0.111, n/a, 0.214, 0.071
    # The floors are what they reached after their fixes. One crisis of the third table stays
    # a miss on purpose: subscriptions cancelled as not needed next month
    # (ネトフリもジムも全部解約した、来月はもういらん) reads as saving money as much as
    # preparation, and the older ordinary-ending reading that stops it keeps many ordinary
    # lines right.
    "dev_round15_ja_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    # The retrain on the whole round's merged corpus reads one dialect line of this table
    # (そげんこと言うたっちゃ、もう遅かばい) as concern.
    "dev_round15_ja_f.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.043),
    },
    "dev_round15_ja_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_ja_d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_ja_c.tsv": {
        Metric.CRITICAL_CAUGHT: (0.96, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.04),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_ja_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    # The retrain on the whole round's merged corpus moved one farewell of this table
    # (先に行ってるね。ゆっくりおいで) from critical to concern.
    "dev_round15_ja.tsv": {
        Metric.CRITICAL_CAUGHT: (0.98, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    # The English helper's round-15 tables (their blind figures are in the module docstring of
    # test_rules_round15_en.py): floors at what they reached after the round's fixes.
    "dev_round15_en.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_f.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_h.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_i.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round15_en_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    # The English helper's round-16 tables (tests/signals/data/dev_round16_en*.tsv; rules in
    # test_rules_round16_en.py), blind figures (critical caught, critical answered none, concern
    # escalated, false critical, false concern) before their fixes, floors at what they reached
    # after them:
    #   dev_round16_en.tsv (41): 0.889, 0.037, n/a, 0.286, 0.214
    #   dev_round16_en_b.tsv (41): 0.783, 0.043, 1.000, 0.375, 0.188
    #   dev_round16_en_c.tsv (40): 0.727, 0.091, 1.000, 0.250, 0.125
    #   dev_round16_en_d.tsv (36): 0.750, 0.125, 0.500, 0.333, 0.111
    #   dev_round16_en_e.tsv (30): 0.857, 0.143, 1.000, 0.071, 0.143
    #   dev_round16_en_f.tsv (37): 0.700, 0.100, 1.000, 0.200, 0.067
    #   dev_round16_en_g.tsv (30): 0.733, 0.067, 1.000, 0.286, 0.143
    #   dev_round16_en_h.tsv (28): 1.000, 0.000, 1.000, 0.167, 0.111 (one trend video reported
    #   stays a look: the model is sure and media lowers its raise to concern, no further)
    #   dev_round16_en_i.tsv (30): 0.588, 0.235, 1.000, 0.167, 0.167
    #   dev_round16_en_j.tsv (28): 0.857, 0.143, n/a, 0.381, 0.190 (a visa ending stays a look)
    #   dev_round16_en_k.tsv (22): 0.455, 0.545, n/a, 0.182, 0.000
    #   dev_round16_en_l.tsv (24, not blind: crises carrying the words of the round's own
    #   ordinary readings): 0.167, 0.667, n/a, 0.167, 0.000
    #   dev_round16_en_m.tsv (22, mostly everyday chat): 1.000, 0.000, n/a, 0.111, 0.111 (two
    #   messages of loneliness at work stay a look)
    "dev_round16_en.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_d.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_e.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_f.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_h.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.056),
    },
    "dev_round16_en_i.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_j.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.048),
    },
    "dev_round16_en_k.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_l.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_en_m.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.111),
    },
    # The Japanese helper's round-16 tables (tests/signals/data/dev_round16_ja*.tsv), each
    # written blind and scored before any fix. Blind figures (critical answered critical,
    # critical answered none, concern escalated, false critical, false concern):
    #   dev_round16_ja.tsv   (36): 0.905, 0.048, n/a, 0.400, 0.067
    #   dev_round16_ja_b.tsv (42): 0.750, 0.125, n/a, 0.444, 0.111
    #   dev_round16_ja_c.tsv (33): 0.706, 0.118, n/a, 0.250, 0.000
    #   dev_round16_ja_d.tsv (37): 0.818, 0.091, n/a, 0.267, 0.133 (one label corrected after
    #                          scoring: a classmate's quoted wish to vanish is concern, taxonomy M5)
    #   dev_round16_ja_e.tsv (41): 0.783, 0.174, n/a, 0.500, 0.111
    #   dev_round16_ja_f.tsv (42): 0.826, 0.130, n/a, 0.368, 0.105
    #   dev_round16_ja_g.tsv (44): 0.727, 0.136, n/a, 0.364, 0.182
    #   dev_round16_ja_h.tsv (39): 0.842, 0.053, n/a, 0.300, 0.100
    #   dev_round16_ja_i.tsv (43): 0.870, 0.087, n/a, 0.450, 0.100
    #   dev_round16_ja_j.tsv (36): 0.667, 0.111, n/a, 0.222, 0.111
    #   dev_round16_ja_k.tsv (34): 0.765, 0.235, n/a, 0.353, 0.059
    #   dev_round16_ja_l.tsv (24): 0.769, 0.231, 1.000, 0.300, 0.000
    #   dev_round16_ja_m.tsv (21): 1.000, 0.000, n/a, 0.500, 0.100
    # The floors are what they reached after their fixes. One crisis of the fourth table stays a
    # miss on purpose: the place a novel's hero "went last", looked up and to be visited
    # (あの小説の主人公が最後に行った場所、…行ってみる) reads as a fan's pilgrimage as much as a
    # crisis; a rule for it would catch visits to a story's cafés and towns. Nor is one crisis
    # of the fifth table: a fan's goods all put up for sale as no longer wanted
    # (推しのアクスタ全部メルカリ出した、もういらんし😌) reads as clearing out as much as
    # preparation, like round 15's subscriptions cancelled. One ordinary line of the eighth table
    # stays concern: a choke that cleared (父が餅のどに詰まらせかけたけど、すぐ出た) is read as
    # resolved, but the model is sure enough of a crisis that a resolved reading lowers its raise
    # to concern rather than stopping it.
    "dev_round16_ja.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_b.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_c.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_d.tsv": {
        Metric.CRITICAL_CAUGHT: (0.955, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.045),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_e.tsv": {
        Metric.CRITICAL_CAUGHT: (0.957, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.043),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_f.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_g.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_h.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.05),
    },
    "dev_round16_ja_i.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_j.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_k.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_l.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.CONCERN_ESCALATED: (1.0, 1.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
    "dev_round16_ja_m.tsv": {
        Metric.CRITICAL_CAUGHT: (1.0, 1.0),
        Metric.CRITICAL_NONE: (0.0, 0.0),
        Metric.FALSE_CRITICAL: (0.0, 0.0),
        Metric.FALSE_CONCERN: (0.0, 0.0),
    },
}


def _fold(text: str) -> str:
    """NFKC, case-folded, punctuation and spaces dropped: the same sentence in any spelling."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _rows(name: str) -> list[LabelledMessage]:
    return read_eval_file(DATA / name)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_table_meets_its_floors(name: str) -> None:
    clf = default_classifier()
    report = evaluate(_rows(name), lambda text: clf.classify(text).severity)
    figures = {metric: report.metric(metric) for metric in FLOORS[name]}
    for metric, (low, high) in FLOORS[name].items():
        got = figures[metric]
        assert got is not None
        # Rounded as the CLI prints them, so a floor reads like the figure it was taken from.
        misses = [m.message.text for m in report.misses]
        assert low <= round(got, 3) <= high, (metric.value, got, misses)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_table_is_well_formed(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 20
    assert all(m.category for m in rows)
    for m in rows:
        if m.category.startswith("trap_") or m.category == "everyday":
            assert m.label is Severity.NONE, (m.line, m.text)
    folded = [_fold(m.text) for m in rows]
    assert len(set(folded)) == len(folded)


def test_no_line_of_the_tables_is_training_data() -> None:
    # The corpus and the candidate lines waiting for it (signals/training/candidates/).
    corpus = [_fold(e.text) for e in load_corpora([CORPUS_PATH, *candidate_files()])]
    seen = [
        (name, m.text)
        for name in FLOORS
        for m in _rows(name)
        if any(_fold(m.text) == c or _fold(m.text) in c for c in corpus)
    ]
    assert seen == []
