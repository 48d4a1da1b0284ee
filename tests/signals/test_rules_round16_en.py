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
- `dev_round16_en_b.tsv` (41): 0.783, 0.043, 1.000, 0.375, 0.188.
- `dev_round16_en_c.tsv` (40): 0.727, 0.091, 1.000, 0.250, 0.125.
- `dev_round16_en_d.tsv` (36, half of it traps): 0.750, 0.125, 0.500, 0.333, 0.111.
- `dev_round16_en_e.tsv` (30, learners' English, romaji, check-in replies): 0.857, 0.143, 1.000,
  0.071, 0.143.
- `dev_round16_en_f.tsv` (37): 0.700, 0.100, 1.000, 0.200, 0.067.
- `dev_round16_en_g.tsv` (30): 0.733, 0.067, 1.000, 0.286, 0.143.
- `dev_round16_en_h.tsv` (28, mostly traps): 1.000, 0.000, 1.000, 0.167, 0.111.
- `dev_round16_en_i.tsv` (30): 0.588, 0.235, 1.000, 0.167, 0.167.
- `dev_round16_en_j.tsv` (28, mostly ordinary words of the round's rules): 0.857, 0.143, n/a,
  0.381, 0.190.
- `dev_round16_en_k.tsv` (22, crises in the words the round's vetoes listen for, and twins):
  0.455, 0.545, n/a, 0.182, 0.000.
- `dev_round16_en_l.tsv` (24, not blind: a stress test of the round's own ordinary readings, each
  crisis carrying the words of one): 0.167, 0.667, n/a, 0.167, 0.000. Every ordinary reading of
  the round now stands down when a crisis follows it in the message (a shared list of crisis
  words in each pattern's lookahead).
- `dev_round16_en_m.tsv` (22, mostly everyday chat): 1.000, 0.000, n/a, 0.111, 0.111 (the two
  answered concern are loneliness at work, a look the taxonomy allows).
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
    # After the second table: wanting to not be; a fatal accident welcome.
    (C, "en.double_form.r16en_want_not_be", "honestly i want to not exist sometimes"),
    (C, "en.double_form.r16en_want_not_be", "not gonna do anything. i just wanna not be anymore"),
    (N, "", "i want to not be late again tomorrow"),
    (N, "", "i want to not be the one who cleans every time"),
    (
        C,
        "en.double_form.r16en_accident_welcome",
        "i wouldn't mind if a truck hit me on the way to work",
    ),
    (
        C,
        "en.double_form.r16en_accident_welcome",
        "if the ceiling fell on me tonight i'd be relieved",
    ),
    (N, "", "if the flight is delayed i wouldn't mind, more time at the lounge"),
    # Suicide or death in my head all the time.
    (C, "en.ideation.r16en_in_my_head", "death has been on my mind all week"),
    (C, "en.ideation.r16en_in_my_head", "killing myself is always in the back of my mind"),
    (N, "", "my grandpa's death is on my mind a lot"),
    # One last time first.
    (C, "en.plan.r16en_one_last_time_first", "i want to hug my dog one last time first"),
    (C, "en.plan.r16en_one_last_time_first", "wanna visit the beach one last time before i go"),
    (N, "", "want to eat at that ramen shop one last time before it closes"),
    (N, "", "i want to see the sakura one last time before i go back home"),
    # A move out announced, then said not to be one (the older ordinary-move block narrowed).
    (
        C,
        "en.preparation.r16en_move_that_isnt",
        "gave notice on my apartment, moving out friday. i'm not moving anywhere",
    ),
    (N, "", "moving out next month, not moving anywhere far though lol"),
    (N, "", "moving out in april, new place is near the station"),
    # The older rules narrowed: a whole box of snacks, a railing's height.
    (N, "", "ate the whole box of pocky lol"),
    (C, "en.twelfth.critical", "took the whole sheet of depas"),
    (N, "", "how high does a balcony railing have to be? for the kids"),
    (C, "en.means.eighteenth_place", "how high does the bridge have to be"),
    # After the third table: how long it takes; a day named, then no more.
    (
        C,
        "en.means.r16en_how_long_takes",
        "how long would it take to pass out from charcoal in a small room",
    ),
    (C, "en.means.r16en_how_long_takes", "how quickly does it take to bleed out from the wrist"),
    (N, "", "how long does it take to lose consciousness when freediving"),
    (N, "", "how long does it take for the cat to stop breathing after surgery"),
    (C, "en.plan.r16en_day_then_no_more", "christmas eve is the night. there's no more after that"),
    (N, "", "friday is the day. i'm not late again lol"),
    (N, "", "my birthday is the day. i'm not working!!"),
    # Accounts closed and the pet with a relative.
    (
        C,
        "en.preparation.r16en_accounts_and_pet",
        "unsubscribed from all the apps, my cat lives with my ex now",
    ),
    (W, "", "cancelled my netflix, my cat is at my mum's while i'm in hospital"),
    # New lines or cuts; cat scratches with no cat.
    (C, "en.selfharm.r16en_new_lines", "3 new cuts on my wrist, didn't mean to go that far"),
    (C, "en.selfharm.r16en_new_lines", "fresh lines across my arm, it stings"),
    (N, "", "new stretch marks on my thighs from the pregnancy"),
    (N, "", "new lines on my arm from the cat lol"),
    (
        C,
        "en.selfharm.r16en_no_cat",
        '"my cat scratched me" is what i told my teacher. there\'s no cat',
    ),
    (N, "", "the cat scratched my hand lol"),
    # Thoughts or urges getting louder.
    (C, "en.ideation.r16en_thoughts_louder", "thoughts of the train are getting stronger"),
    (C, "en.ideation.r16en_thoughts_louder", "urges about cutting are back, all day"),
    (N, "", "thoughts of jumping into a new career are getting stronger"),
    (N, "", "my intrusive thoughts about the plane crashing are getting worse"),
    # The older rules narrowed: returned before graduation, the end of the platform for a car.
    (N, "", "returned everything i borrowed before graduation, all done"),
    (
        C,
        "en.preparation.r15en_squared_away",
        "returned everything i borrowed. all in order before.",
    ),
    (N, "", "standing at the end of the platform near the exit stairs"),
    (C, "en.means.r15en_end_of_pier", "standing at the end of the platform. the train is coming"),
    # After the fourth table: a child telling of a coach or a relative; not waking hoped for.
    (C, "en.child.r16en_told_touches", "my niece told me her uncle comes into her room at night"),
    (C, "en.child.r16en_told_touches", "my son said his teacher hit him again today"),
    (N, "", "my daughter said her coach touched her shoulder to correct her form"),
    (N, "", "my son told me his dad hit the jackpot at pachinko lol"),
    (C, "en.double_form.r16en_hope_not_wake", "not gonna do anything. praying i don't wake up"),
    (C, "en.double_form.r16en_hope_not_wake", "just hope i never wake up."),
    (N, "", "hoping i don't wake up late again lol"),
    # A break from me, a permanent one; dead weight.
    (C, "en.burden.r16en_break_permanent", "they need a break from me, forever"),
    (N, "", "my kids need a break from me this weekend, going to my sister's"),
    (W, "en.burden.r16en_dead_weight", "i'm just a parasite living off my parents"),
    (N, "", "he's dead weight in this game lol"),
    # The older rules narrowed: a burn when nobody's home; "to die for" after want.
    (C, "en.selfharm.forms", "i burn myself with the iron when nobody is around"),
    (N, "", "burned myself on the iron making my shirt for the interview"),
    (C, "en.ideation.want_to_die", "i want to die for real"),
    (N, "", "this cake is to die for"),
    # After the fifth table: romaji self-harm slang; the means arrived.
    (C, "mix.selfharm.r16en_romaji", "amuka yamerarenai"),
    (C, "mix.selfharm.r16en_romaji", "risuka shita"),
    (N, "", "rika shita? (my friend rika)"),
    (N, "", "jisho de shirabeta"),
    (C, "en.preparation.r16en_means_arrived", "the helium tank arrived today"),
    (C, "en.preparation.r16en_means_arrived", "charcoal came. tonight"),
    (N, "", "the charcoal arrived for the bbq on sunday"),
    (N, "", "my pills arrived from the online pharmacy"),
    # The older letter rules narrowed: a letter for a birthday or to a penpal.
    (N, "", "i already wrote a letter to my penpal"),
    (N, "", "wrote a letter to my grandma for her birthday"),
    (C, "en.ideation.want_to_die", "wrote a letter to my kids. they'll understand one day"),
    (C, "en.plan.eighth", "just wrote the letter for my mum. forgive me"),
    # After the sixth table: bills paid ahead, a relative's number on the pet's chip (a look
    # alone, critical together); a passcode left for afterwards.
    (W, "en.preparation.r16en_paid_ahead", "paid 6 months ahead for my mum's care home"),
    (W, "en.preparation.r16en_pet_chip", "put my sister's number on my dog's microchip"),
    (
        C,
        "en.preparation.r16en_paid_ahead",
        "put my sister's number on my dog's microchip and paid mum's care home 6 months ahead",
    ),
    (N, "", "going abroad for work so i paid 6 months ahead on the rent"),
    (N, "", "paid 3 months in advance, got a discount"),
    (N, "", "put my mum's number on the dog's tag too, as a backup"),
    (
        C,
        "en.preparation.r16en_passcode_after",
        "left my passwords in the drawer so they can get into everything after.",
    ),
    (N, "", "left the wifi password for my son so he can get in after school"),
    # Arms a mess again; the butterfly on the wrist dead.
    (C, "en.selfharm.r16en_mess_again", "my arms are a mess again. why do i do this"),
    (N, "", "my legs are a mess again after the hike lol"),
    (C, "en.selfharm.r16en_butterfly", "the butterfly i drew on my wrist died"),
    (N, "", "the butterfly on my wrist is so pretty, got it done in harajuku"),
    # Waiting for it all to end; no longer looking both ways.
    (C, "en.double_form.r16en_waiting_to_end", "not suicidal, just waiting for my life to end"),
    (N, "", "just waiting for the meeting to end"),
    (C, "en.double_form.r16en_no_look_crossing", "i stopped looking both ways when i cross"),
    (N, "", "my son never looks both ways, so scary"),
    # The older beneficiary rule narrowed: changed after a wedding.
    (N, "", "changed the beneficiary on my life insurance to my husband after we got married"),
    (C, "en.plan.eighth", "the beneficiary is my sister now. everything is ready"),
    # After the seventh table: a waterfall or a dam alone; "that's when" with nothing after.
    (C, "en.means.r16en_falls_alone", "sitting at the top of the dam alone, it's so quiet"),
    (N, "", "at kegon falls with my parents, so beautiful"),
    (N, "", "at the dam at night with friends, stars were amazing"),
    (C, "en.plan.r16en_once_thats_when", "once the rent is paid, that's when."),
    (N, "", "once the sale starts, that's when"),
    (N, "", "when the kids are asleep, that's when i play games"),
    # Not to be opened till next month; depth slang.
    (
        C,
        "en.preparation.r16en_not_open_till",
        "gave her the envelope and told her not to open it till next month",
    ),
    (N, "", "gave him the box and told him not to open it till his birthday"),
    (C, "en.selfharm.r16en_depth_slang", "hit styro last night, it won't close"),
    (C, "en.selfharm.r16en_depth_slang", "went down to the fat layer again"),
    (N, "", "bought beans and styrofoam cups for the bbq"),
    # A trivial thing that makes me want to die, laughing: concern at most.
    (W, "en.idiom.r16en_makes_me_lol", "this humidity makes me wanna die lol"),
    (C, "en.ideation.kill_myself", "school makes me want to kms lol"),
    # After the eighth table: the older rules narrowed (insurance paying for a car repair is not
    # a death's payout; tonight's the night, then a first date).
    (N, "", "the insurance will pay for the car repair"),
    (C, "en.ideation.burden_absence", "my life insurance would pay for the funeral and more"),
    (N, "", "tonight's the night! party at shibuya"),
    (C, "en.plan.intent", "tonight's the night. nobody will stop me"),
    # A trend about how others would kill themselves, reported (a look at most).
    (N, "", "that youtube trend where people unalive themselves is sick, reported it"),
    (
        C,
        "en.ideation.kill_myself",
        "saw a tiktok about how people unalive themselves and i want to try it",
    ),
    # After the ninth table: no future self; climbing over at a bridge (the older ordinary-place
    # block narrowed); a weight in kilos on a rail.
    (C, "en.double_form.r16en_no_future_self", "i can't picture myself alive at 30"),
    (C, "en.double_form.r16en_no_future_self", "i don't see myself being here next christmas"),
    (N, "", "i can't imagine myself living in tokyo forever"),
    (N, "", "i don't see myself being here in 5 years, i want my own company"),
    (C, "en.ideation.r16en_climbing_over", "on the platform i keep thinking about stepping off"),
    (N, "", "on the bridge watching the sunset"),
    (C, "en.means.r16en_ligature_question", "is the shower rail strong enough for 70kg"),
    (N, "", "can the closet rod hold 20kg of clothes"),
    # The rent paid till then; things finished, then calm.
    (C, "en.plan.r16en_rent_till_then", "paid the rent till then."),
    (N, "", "paid the rent until then, new lease starts on the 1st"),
    (C, "en.preparation.r16en_done_feels_lighter", "wrote letters to everyone. i feel so calm now"),
    (N, "", "finished my will with a lawyer, feel relieved"),
    # Scare quotes, words carved into skin.
    (C, "en.selfharm.r16en_scare_quotes", 'i\'m "fine". the blade says otherwise'),
    (N, "", 'my "cat" is actually a dog lol'),
    (C, "en.selfharm.r16en_carved", "cut his initials into my thigh"),
    (N, "", "carved our names into the desk"),
    # After the tenth table (mostly ordinary words of this round's rules): a time, then before
    # anyone is up; the older wake-up and "is N enough" rules narrowed.
    (C, "en.plan.r16en_before_anyone_up", "tonight at 2am, before everyone wakes up."),
    (N, "", "tomorrow at 6, before the kids are up, i'm going running"),
    (N, "", "hope i don't wake up before noon"),
    (C, "en.double_form.r16en_hope_not_wake", "hope i don't wake up tomorrow"),
    (N, "", "is 20 yen enough for the vending machine"),
    (C, "en.means.fourth", "is 20 of these enough"),
    (N, "", "my thighs are a mess again after karate"),
    (W, "en.burden.r16en_dead_weight", "i'm just dead weight to my family"),
    (N, "", "i'm dead weight today lol"),
    # After the eleventh table (crises carrying the words the vetoes listen for): the last photos
    # from a bridge; wished i'd never woken up; a one-way trip; first this, then the bridge; a
    # child on a railing; the older rope-purpose blocks narrowed (a trip not come back from).
    (C, "en.farewell.r16en_last_photos", "pics from the rooftop, the last ones. it's windy"),
    (N, "", "pics from the rooftop bar, the last ones of the trip"),
    (C, "en.ideation.r16en_wished_never_woke", "i wish i had never woken up"),
    (N, "", "wished i'd never woken up this morning for this meeting lol"),
    (C, "en.plan.r16en_one_way", "packed the pills. one way trip"),
    (C, "en.plan.r16en_one_way", "rope for the camping trip i'm not coming back from"),
    (N, "", "one way ticket to osaka lol"),
    (N, "", "rope for the camping trip next week"),
    (C, "en.plan.r16en_first_then_place", "finish this beer first, then the bridge"),
    (N, "", "finish this beer first, then the bridge to the station"),
    (C, "en.child.r16en_on_railing", "my son is standing on the balcony railing"),
    (N, "", "the kids are climbing the railing at the playground"),
    (N, "", "my 3 yo climbed onto the window sill, i grabbed him, safe now"),
    # After the twelfth table (a stress test of the round's own ordinary readings): nothing
    # matters after a day; a death on screen or in the news as one's own; pills counted out;
    # how many would stop my heart; charcoal enough for a closed room.
    (C, "en.plan.r16en_nothing_matters_after", "nothing matters after sunday anyway"),
    (N, "", "nothing matters more than family"),
    (C, "en.media_self.r16en_same_way", "that drama ending is how mine will go"),
    (C, "en.media_self.r16en_same_way", "read about the idol who died. i want to go the same way"),
    (N, "", "i want to go the same way as last year, via kyoto"),
    (C, "en.means.r16en_counted_my_pills", "counted my sleeping pills, 48"),
    (N, "", "counted my pills into the weekly organiser, 28 for the month"),
    (C, "en.means.r16en_how_many_stop_heart", "how much of my heart medicine would stop my heart"),
    (N, "", "how much coffee would stop me sleeping"),
    (C, "en.means.r16en_charcoal_room", "is one bag of charcoal enough for a small closed room"),
    (N, "", "is one bag of charcoal enough for the bbq, small group"),
    # After the thirteenth table (mostly everyday chat): the older known-place rule narrowed (a
    # visit told as sightseeing).
    (N, "", "the cliffs at tojinbo were stunning"),
    (C, "en.means.r15en_known_place", "made it to tojinbo. it's windy up here"),
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
    (True, "counted my coins, 340 yen left till payday"),
    (False, "counting the pills in my hand, 45"),
    (True, "is this eye drops enough for the hay fever season"),
    (True, "when spring comes we're going camping!"),
    (True, "my mum will die of embarrassment if she sees this"),
    (True, "that episode of the office where michael burns his foot"),
    (True, "listening to that song about dying on repeat"),
    (True, "how high is the balcony railing in your apartment"),
    (True, "will my sleeping pills last till the next appointment"),
    (True, "how long does it take to renew a visa"),
    (True, "how long does it take to pass the jlpt n2"),
    (True, "💊 vitamins and fish oil 💊💊"),
    (False, "💊💊💊 all of them tonight, vitamins too"),
    (True, "planning to see my parents in osaka this weekend"),
    (True, "my dog bit my hand again, she's teething"),
    (True, "standing at the far end of the platform for the women only car"),
    (True, "returned all my textbooks before graduation"),
    (True, "which floor is your office on"),
    (True, "everything's ready for the party tomorrow"),
    (True, "cleaned my room so it's spotless for the guests"),
    (False, "cleaned my whole room so nobody has to deal with it after"),
    (True, "our drama club rehearsal, i die in act 3 lol"),
    (True, 'the poster on the train says "feeling suicidal? call this number"'),
    (True, "rise and shine!"),
    (True, "gonna unalive this mosquito"),
    (False, "i want to unalive myself"),
    (True, "not going home after work, maybe karaoke"),
    (False, "not going home after work. i'm done"),
    (True, "How much paracetamol can I take in a day? the pharmacist said 4"),
    (False, "how many can i take at once a day before it's dangerous, doctor said 2"),
    (True, "wrote a card for my sister's wedding"),
    (True, "left my card with my wife so she can pay the gas bill"),
    (True, "we set the date for our wedding!!"),
    (False, "i've set the date for my exit"),
    (True, "reading about the history of seppuku for my class, intense"),
    (True, "would that do it for the party?"),
    (True, "transferred my savings to my son for his university fees"),
    (True, "did some art on my wrist with a sharpie in class lol"),
    (True, "baby won't sleep, send coffee"),
    (True, "my cat is the only thing that keeps me going"),
    (False, "the idea of dying is the only thing that keeps me going"),
    (False, "set the date for my birthday. fitting"),
    (True, '"kms" means kilometres in my running app lol'),
    (True, "how many floors do you need for a house with 3 kids"),
    (False, "how many floors is enough to not survive"),
    (True, "paid the rent until then, the new apartment starts on the 1st"),
    (True, "how many insulin pens should i pack for a 2 week trip"),
    (True, "nearly had a heart attack when the cat jumped out lol"),
    (False, "i think i'm having a heart attack, chest is tight"),
    (True, "saying sorry to people one by one, it's part of my aa steps"),
    (True, "waiting for it all to end, i mean the semester"),
    (False, "waiting for it all to end."),
    (True, "hoping i don't wake the neighbours"),
    (True, "would 5000 yen be enough for the taxi"),
    (True, "my arms are covered in mosquito bites again"),
    (False, "my arms are covered again, the blade is in my drawer"),
    (True, "thoughts about quitting are louder every day"),
    (True, "counted my pills into my weekly organiser"),
    (True, "how long does it take to fall asleep with melatonin"),
    (False, "how long does it take to fall asleep forever"),
    (False, "fell asleep on the sofa and wished i never woke up"),
    (False, "maybe drinks first, then the bridge"),
    (True, "maybe drinks after work, then home"),
    (True, "took pics of the sunset from the pedestrian bridge"),
    (True, "packed my insulin for the trip, enough for two weeks"),
    (False, "waiting for it all to end, i mean my life"),
    # An ordinary reading does not veto a message that also carries a crisis after it.
    (False, "decided. quitting the gym and everything else. nothing matters after friday"),
    (False, "is this eve enough for the trip i won't come back from"),
    (False, "moved my savings to my daughter for her school fees, she'll need it when i'm gone"),
    (False, "henna on my arm covers the fresh cuts"),
    (True, "henna on my arm from the festival, so pretty"),
    (True, "my phone is dead lol"),
    (False, "my phone is dead and so will i be, goodbye. kill myself tonight"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)


# Readings that veto a learned raise to concern (a low mood is all they could lift), each beside a
# crying message they must not veto.
MOOD_VETOES: list[tuple[bool, str]] = [
    (True, "graduation day, so proud of my son 😭"),
    (True, "the news about the actor who died is so sad"),
    (True, "cut my bangs myself 😭"),
    (False, "crying alone every night 😭"),
]


@pytest.mark.parametrize(("vetoed", "text"), MOOD_VETOES)
def test_mood_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text, critical=False)
