"""Round 18's rules (signals/rules.toml, the three "Round 18" sections): first the forms the
tables' misses showed (not fine said plainly, a seizure by its signs, "see you next week" that
can no longer be said, thanks in kana), each beside ordinary sentences in the same words; then
the ordinary readings of everyday answers to a check-in that veto a learned raise, each beside
a crisis or a concern in the same register that it must not veto. The rules alone are asked,
in sentences other than the tables' lines; the tables and their floors are in
test_dev_tables.py."""

from __future__ import annotations

import pytest

from signals import Severity
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (W, "ja.mood.r18_not_fine", "大丈夫じゃない"),
    (W, "ja.mood.r18_not_fine", "正直、あんまり元気じゃないです"),
    (W, "ja.mood.r18_not_fine", "最近ずっと元気じゃねえ"),
    (W, "ja.mood.r18_not_fine", "うまく言えんけど、大丈夫じゃないかも"),
    (N, "", "それで大丈夫じゃない？"),
    (N, "", "明日の集合、10時で大丈夫じゃないかな"),
    (N, "", "元気じゃないわけじゃないよ、眠いだけ"),
    (N, "", "天気が大丈夫じゃないっぽいね、傘持ってく"),
    (C, "en.medical.r18_seizure_signs", "my husband is jerking and stiff and won't answer me"),
    (C, "en.medical.r18_seizure_signs", "the baby went stiff and isn't responding"),
    (N, "", "my phone is shaking on the table and won't stop buzzing"),
    (N, "", "he was shaking with laughter and not answering my question lol"),
    (C, "ja.farewell.r18_no_more_see_you", "またね、ってもう言えないんだ。ばいばい"),
    (N, "", "引っ越すから、また来週ってもう言えないね"),
    (C, "ja.farewell.thanks", "いままでありがとね。さよなら"),
    # Thanks that look ahead count at most as concern, in kana as in kanji
    # (ja.idiom.farewell_forward).
    (W, "ja.farewell.thanks", "いままでありがとね、これからもよろしく！"),
    (N, "ja.idiom.r18_thanks_then_visit", "今まで本当にお世話になりました。また春に顔出しますね"),
    (C, "ja.farewell.thanks", "今までありがとう。来週にはもういないから"),
    (C, "ja.farewell.thanks", "いままでありがとね。また来年、はもうないけど。さよなら"),
    (N, "", "うちの犬がまた押し入れに隠れてる、雷が鳴るといつもこう"),
    (C, "ja.violence.more", "夫が怒鳴ってて、押し入れに隠れてる"),
    (N, "", "車が雪にはまって動けん、JAF呼んだ"),
    (C, "", "自転車で転んで頭打って動けない"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


VETOES: list[tuple[bool, str]] = [
    (True, "なかなか時間がとれなくて"),
    (True, "今月は時間が取れなかったので、来月お願いします"),
    (False, "時間がとれなくて、もう無理かもしれない"),
    (False, "もう時間がなくて"),
    (True, "雨で洗濯できない"),
    (True, "台風で買い物行けんかった"),
    (False, "雨で洗濯もできない。もう何もしたくない、消えたい"),
    (True, "I can't come next week, I have a job interview"),
    (True, "couldn't make it to the appointment today, can we reschedule?"),
    (False, "I can't come next week. I won't be here anymore"),
    (False, "can't make it to class tomorrow, i'm done"),
    (False, "can't come to the session monday, he hit me again and took my phone"),
    # Everyday answers to a check-in.
    (True, "来週の電話、木曜にずらしてもらえますか？"),
    (True, "予約を別の日に変えていただけますか"),
    (False, "面談の日程、もう変えなくていいです。最後にお礼だけ言いたくて"),
    (True, "父の検査、大したことなかったです。ほっとしました"),
    (True, "娘の熱、下がってすっかり元気になりました"),
    (False, "母が倒れて救急車で運ばれたけど、今は意識がない"),
    (False, "熱は下がってひと安心。でももう生きてるのがしんどい"),
    (True, "返信おそくなってごめん！バイト続きやったけど元気しとるよ"),
    (True, "ばたばたしててすみません。元気にしてます😊"),
    (False, "今までありがとう。私は元気です"),
    (False, "もう大丈夫。元気です"),
    (True, "落ち着いたらまた連絡するね"),
    (True, "返事は夕方になると思います"),
    (False, "しばらく返信できない。もう連絡しないで"),
    (True, "my plan for the weekend is to clean my room and do laundry"),
    (False, "my plan is to write a letter to my mom and then it's over"),
    (True, "gave away my old desk and chairs because we're moving next month"),
    (False, "gave away my cat and my guitar. won't need them anymore"),
    (True, "sorry, saw this late. all good here thx"),
    (True, "busy week but I'm doing fine 🙂"),
    (False, "thanks for everything. I'm fine now. goodbye"),
    (False, "i'm fine. honestly i'm not but whatever"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)
