"""Round 15, English (issue 10): the rules of signals/rules.toml's "Round 15, English" section,
each form in sentences other than the table lines it was found from, with the ordinary sentences
next to it that must not be read as a crisis; then the ordinary readings that stop false alarms,
each with a crisis next to it that they must not stop. Rules only: the learned layer is not
asked, so each row tests the rules themselves. The round's development tables are run through
the classifier the bot uses, at the floors they reached, in test_dev_tables.py.

The tables were written for English chat from people living in Japan (foreign residents,
students, workers; learners' English, romaji and Tagalog mixed in) in the categories the
held-out set still misses, each blind after the previous table's fixes and scored before any
change (critical answered critical, critical answered none, concern escalated, false critical,
false concern):

- `dev_round15_en.tsv` (96): 0.740, 0.160, 0.917, 0.059, 0.029.
- `dev_round15_en_b.tsv` (53): 0.593, 0.259, 1.000, 0.053, 0.053.
- `dev_round15_en_c.tsv` (50, mostly ordinary twins): 0.933, 0.067, 1.000, 0.367, 0.033.
- `dev_round15_en_d.tsv` (52, learners' English): 0.690, 0.207, 1.000, 0.125, 0.062.
- `dev_round15_en_e.tsv` (45): 0.583, 0.167, 1.000, 0.176, 0.176.
- `dev_round15_en_f.tsv` (44, mostly traps): 0.714, 0.286, 0.500, 0.154, 0.077.
- `dev_round15_en_g.tsv` (46): 0.808, 0.077, 1.000, 0.067, 0.000.
- `dev_round15_en_h.tsv` (45): 0.833, 0.125, 0.800, 0.125, 0.000.
- `dev_round15_en_i.tsv` (36): 0.550, 0.450, 0.750, 0.000, 0.000.

Each table's misses were then fixed in general form (rules here, corpus lines in new words); one
double form with no death word in the fifth table was given concern as also accepted."""

from __future__ import annotations

import pytest

from signals import Severity
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    # Preparation: things given away with the reason kept back.
    (C, "en.preparation.r15en_given_unexplained", "left my ps5 for my cousin, she doesnt know why"),
    (
        C,
        "en.preparation.r15en_given_unexplained",
        "giving my records to my friend, i wont need them",
    ),
    (N, "", "gave my old rice cooker to my roommate since i'm moving out"),
    (N, "", "gave my sister my switch for her birthday, she doesnt know why i did it early"),
    # Preparation: the last thing on the list.
    (
        C,
        "en.preparation.r15en_last_on_list",
        "wrote my passwords on a card for mum. last thing to do",
    ),
    (C, "en.preparation.r15en_last_on_list", "rehomed the cat. nothing left to sort now"),
    (N, "", "rehomed the cat before my move to osaka, last thing on the list"),
    (N, "", "paid off the phone bill, last thing on my list before the trip"),
    # Preparation: who gets what.
    (C, "en.preparation.r15en_who_gets_what", "wrote down who gets my books and clothes"),
    (N, "", "made a list of who gets what chores this week"),
    (N, "", "sayonara sale: made a list of who gets what from my room"),
    # A count of days, then free of all of it.
    (C, "en.plan.r15en_free_soon", "a few more nights and i'm free of everything"),
    (N, "", "two more days until i'm free from finals!!"),
    (N, "", "one more week then free of this cast on my arm"),
    # A place known for suicides, present there.
    (C, "en.means.r15en_known_place", "made it to tojinbo. it's windy up here"),
    (C, "en.means.r15en_known_place", "wandered off the trail, no one around for hours"),
    (N, "", "we went to aokigahara with my class to see the ice cave"),
    (N, "", "walked off the path to take photos of the mushrooms"),
    # Medicine saved up.
    (C, "en.means.r15en_stockpiled", "been hoarding my sleeping pills, up to 60"),
    (
        N,
        "en.idiom.r15en_meds_for_trip",
        "saving some of my meds for the flight home, pharmacy is far",
    ),
    (C, "", "been saving my pills for the weekend when i'm alone, 40 now"),
    (N, "", "collecting points at the drugstore for my vitamins"),
    # Sorry for being a disappointment, then goodbye.
    (C, "en.farewell.r15en_sorry_goodbye", "sorry for being such a burden to you. goodbye"),
    (C, "en.farewell.r15en_sorry_goodbye", "goodbye everyone, sorry i was such a failure"),
    (N, "", "sorry i was a mess tonight lol, bye"),
    (N, "", "sorry for being a bad friend lately, bye see you tomorrow"),
    # A death in a song, a film or a post, linked back to oneself.
    (C, "en.media_self.r15en_linked", "that drama where the mom overdoses is basically me rn"),
    (
        C,
        "en.media_self.r15en_linked",
        "the girl in that anime disappears in the end. jealous of her tbh",
    ),
    (N, "", "that song about moving to tokyo is literally me rn"),
    (N, "", "the hero dies in the last episode and i cried so much"),
    (N, "", "the main character dies and comes back, that's me after mondays lol"),
    # Romaji thoughts of suicide.
    (C, "mix.ideation.r15en_romaji_thoughts", "mata shinu koto kangaeteru"),
    (N, "", "shigoto no koto bakari kangaeteru"),
    # A death wish said as a joke, then taken back.
    (C, "en.double_form.r15en_retracted_joke", "gonna jump off my balcony lol. that wasn't a joke"),
    (C, "en.double_form.r15en_retracted_joke", "lol i wanna disappear. or am i?"),
    (N, "", "that wasn't a joke, the line at the ward office was 2 hours"),
    (N, "", "not even joking, this ramen is to die for"),
    # Not wanting to keep waking up.
    (C, "en.ideation.r15en_keep_waking", "i dont want to keep being alive like this"),
    (N, "", "i don't want to keep waking up early on weekends"),
    # Others freed if I were gone.
    (C, "en.burden.r15en_if_i_were_gone", "honestly my kids would be better off if i were dead"),
    (N, "", "my parents will be fine when i'm gone to tokyo for uni"),
    # Food for a couple more days; days of barely sleeping; a successor wished happier.
    (W, "en.food.r15en_days_left", "rice for only a couple more days, payday is the 25th"),
    (N, "", "packed food for a couple more days of camping"),
    (W, "en.sleep.r15en_days_without", "five nights of hardly sleeping, my head is heavy"),
    (W, "en.sleep.r15en_days_without", "nemurenai, mou 3 nichi"),
    (N, "", "three nights of barely sleeping at the festival lol worth it"),
    (C, "en.farewell.r15en_hope_next", "bye. hope whoever comes after me is happier here"),
    (N, "", "moving out friday, bye room, hope the next tenant is happier with the noise"),
    # Concern: crying at work; caregiving worn out.
    (W, "en.depression.r15en_crying_at_work", "i end up crying at my desk most days"),
    (N, "", "cried at the office farewell party, such nice people"),
    (W, "en.caregiving.r15en_worn_out", "taking care of grandma with dementia alone, i'm worn out"),
    (N, "", "my grandpa's dementia care home has a lovely garden"),
    # After the second table: affairs squared away "before"; a bare time, then "that's when".
    (
        C,
        "en.preparation.r15en_squared_away",
        "gave back every book and game i borrowed. wanted it all in order before.",
    ),
    (N, "", "returned everything i borrowed before my move to fukuoka"),
    (C, "en.plan.r15en_thats_when", "sunday night, thats when."),
    (N, "", "friday, thats when the party starts"),
    # The last day of my life; heights with access; medicine bought at several shops.
    (
        C,
        "en.plan.r15en_last_of_my_life",
        "last christmas of my life probably. not that anyone cares",
    ),
    (N, "", "the last exam of my life!! graduating next week"),
    (C, "en.means.r15en_height_access", "at the 9th floor fire escape again"),
    (N, "", "door to the roof was unlocked so we watched the fireworks"),
    (
        C,
        "en.means.r15en_split_purchase",
        "got sleeping pills from three different pharmacies this week",
    ),
    (N, "", "bought masks at several drugstores for the kids"),
    (N, "", "bought allergy pills at different drugstores, hay fever is brutal"),
    (C, "en.means.r15en_end_of_pier", "sitting at the edge of the breakwater, nobody around"),
    (N, "", "standing at the end of the pier fishing with my dad"),
    # A see-you taken back; a threat quoted from home.
    (C, "mix.farewell.r15en_not_mata", "not mata ne this time. bye everyone"),
    (N, "", "see you next time, bye!"),
    (
        C,
        "en.violence.r15en_quoted_home",
        'my stepfather yelled "you\'re next" and locked the front door',
    ),
    (N, "", 'my mom texted "wait till i get home" about the dishes lol'),
    (N, "", 'my boss said "you\'re done" after i broke the printer'),
    # Media linked to oneself as "my life"; a wish said "serious though"; free of a cold.
    (
        C,
        "en.media_self.r15en_linked",
        "that show where the dad starves himself, it's basically my life",
    ),
    (N, "", "that movie ending is so my life, she gets the job and moves to paris"),
    (C, "en.double_form.r15en_retracted_joke", "what if i just didn't exist. serious though"),
    (N, "", "serious though, what's the best ramen in shinjuku"),
    (N, "", "a few more days and i'm free of this cold finally"),
    # After the third table: the rules narrowed where its ordinary twins fired.
    (N, "", "found a new home for my old desk on jimoty, last thing to sort"),
    (C, "", "found a new home for my rabbit. last thing to sort"),
    (N, "", "sorry i was such a mess at the nomikai, goodbye hangover"),
    (C, "", "sorry i was such a failure to you all. goodbye"),
    (N, "", "goodbye old dorm, hope the next person is happier here lol"),
    (N, "", "bought cold medicine at two different drugstores, the first one was sold out"),
    (N, "", "sitting at the end of the jetty with a beer watching the ferries"),
    (N, "", 'my dad texted "wait till i get home" because he got us cake'),
    (C, "mix.ideation.r15en_romaji_thoughts", "jisatsu no houhou wo shirabeteru"),
    (N, "en.idiom.r15en_height_with_view", "on the 40th floor balcony, the night view is unreal"),
    (C, "", "on the 40th floor balcony, one leg over the railing"),
    # After the fourth table (learners' English, Tagalog and romaji mixed in).
    (
        C,
        "en.preparation.r15en_will_get_my",
        "my sister will get my savings, she knows where the bank book is",
    ),
    (N, "", "my dad will get my hanko from the city office tomorrow"),
    (C, "en.preparation.r15en_will_get_my", "paid the last bills so nobody has to pay after me"),
    (C, "en.plan.r15en_decided_when_away", "already decide. friday when my wife go to her mother"),
    (N, "", "decided, sunday when my husband goes out we clean the whole apartment"),
    (C, "en.plan.r15en_finish_everything", "tonight i finish everything."),
    (N, "", "i finish all my homework, now game"),
    (C, "mix.plan.r15en_saigo_romaji", "konya de saigo ni shiyou"),
    (N, "", "kyou de baito saigo desu!"),
    (C, "en.means.r15en_rope_tied", "the cord is already hanging from the loft"),
    (N, "", "the rope is tied to the boat already"),
    (C, "en.farewell.r15en_goodbye_love", "goodbye everyone, i love you all"),
    (N, "", "goodbye guys, i love you, see you in the summer!"),
    (C, "en.voices.r15en_say_i_must", "the voices keep saying i must die"),
    (N, "", "my neighbour's voice says good morning every day, i love her"),
    (
        C,
        "en.media_self.r15en_linked",
        "the singer who wants to disappear gets me. same feeling exactly",
    ),
    (N, "", "that song gets me, same feeling exactly"),
    (N, "", "my favourite singer died last year, that's me crying at every concert video"),
    (C, "en.media_self.r15en_linked", "the girl in that film disappears at the end. that's me"),
    # After the fifth table.
    (
        C,
        "en.preparation.r15en_no_need_anymore",
        "deleted my accounts and cancelled the phone. no need anymore",
    ),
    (N, "", "cancelled netflix, no need anymore since i changed to amazon"),
    (C, "en.plan.r15en_nobody_will_notice", "saturday while my family is out. no one will notice"),
    (N, "", "no one will notice if i leave early on friday lol"),
    (C, "en.plan.r15en_end_of_me", "if the visa is refused that's the end of me"),
    (C, "en.refusal.r15en_gone_not_moving", "i'll be gone, not moving, gone"),
    (N, "", "i'll be away next week, not moving, just on holiday"),
    (C, "mix.plan.r15en_kimeta_romaji", "mou kimeta. kinyoubi"),
    (N, "", "mou kimeta, raishuu no kinyoubi ni ryokou ikou"),
    (
        C,
        "en.double_form.r15en_sleep_and_stay",
        "not going to hurt myself. just want to sleep and stay there",
    ),
    (N, "", "want to sleep and stay there all weekend lol"),
    (W, "en.mood.r15en_fine_not", "i'm fine (i'm not)"),
    (
        C,
        "en.violence.r15en_quoted_harm",
        'debt collector said "we will break your legs" if i don\'t pay',
    ),
    (N, "", 'my friend said "i\'m gonna kill you" in the game lol'),
    (
        C,
        "en.media_self.r15en_linked",
        "posted the lyrics of a song about sleeping forever, it's how i feel",
    ),
    (N, "", "that song about summer is how i feel"),
    (
        N,
        "en.idiom.r15en_their_loss",
        "her grandpa passed away last night, what should i say to her",
    ),
    (W, "", "my dad died, what can i do now"),
    # After the sixth table.
    (
        C,
        "en.preparation.r15en_last_time_pet",
        "hugged my son for the last time, his dad takes him tomorrow",
    ),
    (N, "", "said bye to my cat for the last time at the vet, she was 19"),
    (W, "en.work.r15en_overtime", "80 hours of overtime this month"),
    (W, "en.anxiety.r15en_shaking", "can't stop shaking since the call from the agency"),
    (N, "", "can't stop shaking, it's so cold in this apartment"),
    (C, "en.media_self.r15en_linked", "read an article about overdoses, i wish it was me"),
    (N, "", "saw the news about the jump at shinjuku, trains stopped for an hour"),
    (C, "en.double_form.r15en_retracted_joke", "lol what if i jumped off the roof. im not joking"),
    (N, "", "im not kidding, the jump in level 8 is impossible"),
    (N, "en.idiom.r15en_label_dose", "pharmacist said max 3 tablets a day and no alcohol"),
    (C, "", "i took 30 pills, the box said max 2"),
    (N, "en.resolved.r15en_self_harm_years", "i used to cut but it's been 3 years and i'm proud"),
    (N, "en.resolved.r15en_new_job", "got a new job after 3 months unemployed"),
    (W, "", "3 months unemployed and the rent is due"),
    # After the seventh table.
    (
        C,
        "en.preparation.r15en_instructions_left",
        "wrote a note for my sister, where the bank book is and who to call",
    ),
    (N, "", "left a note for the cat sitter: where the key is, who to call"),
    (C, "en.farewell.r15en_sorry_note", "gave back the keys and wrote sorry. bye"),
    (N, "", "returned the books and wrote sorry for being late"),
    (N, "", "handed back the umbrella and wrote sorry for keeping it so long"),
    (C, "mix.plan.r15en_zenbu_owari", "raishuu de zenbu owari. hontou ni"),
    (N, "", "raishuu de shiken zenbu owari!"),
    (C, "en.means.r15en_parked_edge", "parked near the dam, engine off"),
    (N, "", "parked near the cliff to watch the sunrise"),
    (
        C,
        "en.media_self.r15en_linked",
        "i keep watching that scene where she jumps, i want to know how it feels",
    ),
    (N, "", "that scene where she jumps was so well shot"),
    (C, "en.ideation.r15en_plan_how", "sometimes i plan how i'd do it during class"),
    (N, "", "planning how i'll ask her out at hanami"),
    (N, "en.idiom.r15en_dispensed_for", "pharmacist gave me a whole sheet of bron for my cough"),
    (C, "", "bought 3 boxes of pills for my headache and i'll take them all tonight"),
    # After the eighth table.
    (
        C,
        "en.refusal.r15en_not_anywhere",
        "once the semester ends i'm not staying. not in japan, not anywhere",
    ),
    (
        C,
        "en.media_self.r15en_linked",
        "the drama line \"i'm going where it doesn't hurt\" - yeah. me too",
    ),
    (N, "", "that song about summer love - yeah me too"),
    (
        C,
        "en.double_form.r15en_retracted_joke",
        "i'd never do it lol. i mean i've thought about the pills but",
    ),
    (
        C,
        "en.selfharm.r15en_attempt_return",
        "tried to jump once from the school roof, today i went back up there",
    ),
    (W, "en.food.r15en_living_on", "been living on onigiri from the 100 yen shop for two weeks"),
    (N, "", "living on onigiri for a week as a challenge lol"),
    (W, "en.anxiety.r15en_shaking", "i shake before every shift"),
    # After the ninth table.
    (C, "en.plan.r15en_doing_it_so", "i'm doing it after payday so my rent is paid first"),
    (N, "", "i'm doing it after payday so my rent is paid, the move i mean"),
    (C, "en.plan.r15en_so_will_i", "when the leaves fall, so will i"),
    (N, "", "if you go to the nomikai, so will i"),
    (C, "en.means.r15en_platform_edge", "sitting on the platform edge, feet over the yellow line"),
    (N, "", "standing behind the yellow line like a good citizen lol"),
    (
        C,
        "en.means.r15en_closed_room_question",
        "how many hours in a sealed car with a charcoal burner",
    ),
    (
        C,
        "en.mixing.r15en_pills_and_drink",
        "sleeping pills and a whole bottle of shochu on the table",
    ),
    (N, "", "drank a whole bottle of wine with friends lol"),
    (C, "mix.farewell.r15en_raisei", "mata raisei de ne"),
    (N, "", "mata ne! see you next week at nihongo class"),
    (C, "en.violence.r15en_quoted_dead", 'he said "call the police and your kids are dead"'),
    (N, "", "my boss said \"if you're late again you're dead\" lol"),
    (W, "en.food.r15en_days_without", "5 days without food, waiting for payday"),
    (N, "", "3 days without food for my colonoscopy"),
    (
        C,
        "en.media_self.r15en_linked",
        "read a manga where she ends it and gets peace. i want peace too",
    ),
    (
        C,
        "en.double_form.r15en_retracted_joke",
        "jump off skytree haha. ok not funny, i actually looked up how",
    ),
    # Ordinary readings.
    (N, "en.idiom.r15en_rope_purpose", "bought rope and a tarp for the tent"),
    (C, "", "bought rope. no one will find me"),
    (N, "en.idiom.r15en_slang_sob", "that dance was so cute i'm dead 😭"),
    (N, "en.idiom.r15en_slang_sob", "ate that performance 😭"),
    (W, "", "i'm dead inside 😭"),
    (N, "en.idiom.r15en_rehomed_for_move", "rehomed my dog before my flight home to manila"),
    (C, "", "rehomed my dog. nothing left to sort now"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


# Readings that veto a learned raise to critical, each beside a crisis that must not be vetoed.
VETOES: list[tuple[bool, str]] = [
    (True, "can someone save me and explain the gas bill"),
    (False, "someone save me, i can't do this anymore"),
    (True, "someone save me and help fill in this pension form"),
    (True, "exams are murdering me, can't eat and i'm shaking"),
    (True, "not kidding when i say this karaage is the best in town"),
    (True, "i dont want to keep waking up at 6 for this job"),
    (True, "who brings what dish to the bonenkai? wrote it down"),
    (True, "counted my grandma's pills into her pill organiser"),
    (True, "i tried to jump once years ago, now i'm in therapy and doing well"),
    (False, "tried to jump once from the school roof, today i went back up there"),
    (True, "the hike destroyed my legs, i want the soreness gone"),
    (True, "i want to know how it feels to ride the shinkansen"),
    (True, "picked up cough medicine and cooling sheets for my kid's fever"),
    (True, "ending my lease in march, will i get my deposit back?"),
    (True, "the sharpest knife i own is for the tuna"),
    (False, "the knife is on my lap"),
    (True, "decided, going to the dentist on friday"),
    (True, "goodbye mom, will call you once i land"),
    (False, "goodbye mom, i love you. i'm sorry"),
    (True, "can i drink alcohol after one eve?"),
    (True, "my suica got stuck in the ticket gate, someone help"),
    (True, "if i eat one more bite that's the end of me"),
    (False, "if the visa is refused that's the end of me"),
    (True, "closing my phone contract before i leave japan, any tips?"),
    (True, "how to cancel my gym membership?? so confusing"),
    (False, "cancelled my phone and closed my bank account. no one needs to reach me now"),
    (True, "can i take eve with loxonin for period cramps?"),
    (False, "can i take 30 eve with shochu? for the pain"),
    (True, "i will finish everything on my list tonight"),
    (False, "tonight i finish everything."),
    (False, "wrote down who gets my books and my savings"),
    (True, "saving my vitamin d tablets for winter, got like 60 now"),
    (False, "saving my sleeping pills for weeks, got like 60 now"),
    (False, "my husband is killing me, please come"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)


# Slang readings that veto a learned raise to concern (a low mood is all they could lift), each
# beside a crying message they must not veto.
MOOD_VETOES: list[tuple[bool, str]] = [
    (True, "that dance ate and left no crumbs, i'm screaming"),
    (True, "your cosplay slayed, i'm dead 😭"),
    (False, "crying every night again, i can't 😭"),
]


@pytest.mark.parametrize(("vetoed", "text"), MOOD_VETOES)
def test_mood_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text, critical=False)
