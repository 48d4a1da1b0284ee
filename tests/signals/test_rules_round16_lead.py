"""Round 16's rules from the lead's blind table (signals/rules.toml, "Round 16, the lead's
table"): each form in sentences other than the table's lines, beside ordinary sentences in the
same words; then the ordinary readings that veto a learned raise, each beside a crisis they must
not veto. Both ask the rules alone. The table, its blind figures and its floors are in
test_dev_tables.py."""

from __future__ import annotations

import pytest

from signals import Severity
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (C, "ja.plan.r16_decided_calm", "いろいろ考えたけど、もう決めたから。今はすごく穏やか"),
    (C, "ja.plan.r16_decided_calm", "全部決めた。だいじょうぶ、こわくないよ"),
    (N, "", "ランチもう決めたから大丈夫"),
    (N, "", "旅行の行き先、やっと決めた！すっきり"),
    (N, "", "彼へのプレゼント、もう決めたから大丈夫"),
    (C, "en.plan.r16_at_peace_what", "honestly i'm calm with what i'm about to do. thank you"),
    (N, "", "i'm at peace with what i'm going to do after graduation"),
    (C, "en.selfharm.r16_tried_unknown", "i attempted last year and no one knows. it's back"),
    (C, "en.selfharm.r16_tried_unknown", "i tried back in october, never told anyone"),
    (N, "", "i tried in april to get into the course and nobody knows yet"),
    (N, "", "tried the new ramen place in march, nobody knows about it yet"),
    (N, "", "酔っぱらった友達、ろれつがおかしくて笑った"),
    (C, "ja.medical.signs", "父が酔ってるけどろれつが回らないし片方の手が動かない"),
    (C, "ja.medical.signs", "急にろれつが回らなくなった"),
    (N, "", "ホラー映画で『こっちへおいで』って声が聞こえる場面、鳥肌たった"),
    (W, "ja.voices.signs", "最近、誰もいないのに声が聞こえる"),
    (N, "", "i'm at peace with my decision about the job offer"),
    (C, "en.plan.eighteenth_date", "i'm at peace with my decision. thank you all"),
    # ja.plan.eighth: a child and a battery or detergent are a crisis when it went in the mouth.
    (C, "ja.plan.eighth", "うちの子が洗剤なめたかもしれない"),
    (N, "", "子どもと電池交換した、リモコン直った"),
    # The second table: answers to a check-in.
    (C, "ja.passive.r16_no_need_anymore", "もう薬飲む必要もないよね"),
    (C, "ja.passive.r16_no_need_anymore", "もう起きる意味ない"),
    (N, "", "明日休みだから、もう起きる必要ない"),
    (N, "", "お腹いっぱいで、もう食べる必要ない"),
    (C, "en.farewell.r16_last_meal", "cooked my last real meal tonight. it was nice"),
    (C, "en.farewell.r16_last_meal", "had my last meal"),
    (N, "", "had my last meal before the colonoscopy prep"),
    (N, "", "ate the last meal of the trip at the airport"),
    # The third table: danger from others, a child, cries for help.
    (N, "", "郵便屋さんが玄関ドアをノックしてる、出なきゃ"),
    (C, "ja.violence.more", "元彼がドア叩いてる、開けろって怒鳴ってて怖い"),
    (N, "", "だれか来て、ジャムの瓶のふたが開かない"),
    (C, "ja.help.kana", "だれか来て"),
    # Older readings narrowed where the corpus showed them reaching a crisis: a denial that is
    # itself denied, and a media mention two clauses before a wish of one's own.
    (C, "ja.ideation.shinitai", "正直、死にたいと思わない夜はない"),
    (N, "", "死にたいとは思わない"),
    (C, "ja.ideation.shinou", "映画みた、泣けた、毎晩どうやったら楽に死ねるか調べてる"),
    (N, "", "映画見た、主人公が死にたいって言ってた"),
    # The fourth table: a crisis of one's own beside an ordinary reading's words.
    (C, "ja.passive.r16_need_not_be_saved", "もう助けてくれなくていいよ"),
    (N, "", "ゲームのキャラ、もう助けなくていいよ、先に進もう"),
    (C, "ja.passive.r16_place_near_home", "駅で飛び込みがあったって。あの駅、うちから5分"),
    (N, "", "あの駅、家から歩いて5分で便利"),
    (C, "en.passive.r16_same_as_them", "a girl at school overdosed. i think about doing the same"),
    (N, "", "my friend ran a marathon. i keep thinking about doing the same"),
    (N, "", "she jumped into the pool. i thought about doing the same lol"),
    (C, "en.plan.intent", "tonight's the night."),
    (N, "", "tonight's the night we finally see the fireworks"),
    (C, "en.act.eleventh", "i'm going to stop eating until i disappear"),
    (N, "", "i need to stop eating so much junk"),
    (C, "ja.selfharm.cutting", "昔リスカしてたけど今は大丈夫、って言いたいけど、今日またやった"),
    (N, "", "前はリスカしてたけど、今は落ち着いてる"),
    # The fifth table: a crisis beside an idiom, a joke, a quote or someone else's death.
    (C, "ja.passive.r16_follow_the_dead", "母が亡くなって半年。わたしも早くあっちに行きたい"),
    (W, "ja.loss.events", "母が亡くなって半年。あっちで元気にしてるかな"),
    (C, "en.passive.r16_follow_the_dead", "grandpa passed in may. i want to be with him again"),
    (W, "en.loss.events", "grandma died last week. i want to be with her family at the funeral"),
    (C, "en.means.r16_how_many_take", "looking up how many of these tablets it would take"),
    (N, "", "how many pills would it take for my headache, the label is gone"),
    (C, "en.passive.r16_still_around", "see you at graduation, if i'm still alive by then"),
    (N, "", "i'll still be around by then, save me a seat"),
    (C, "en.means.jump", "sitting on the edge of the roof"),
    (N, "", "sitting on the edge of the bed, trying to wake up"),
    (C, "ja.plan.prepare", "ロープ買ってきた。「キャンプですか」って聞かれた"),
    (N, "", "ロープ買ってきた、キャンプのテント用"),
    (N, "", "「死ね」って言うキャラ、怖いけど好き"),
    # The sixth table: concerns said in passing.
    (W, "ja.utilities.r16_notice_again", "ガスの督促ハガキがとうとう来た"),
    (W, "ja.utilities.r16_notice_again", "電気の赤い紙、どうしよう"),
    (N, "", "水道の検針の紙が来た、先月より安い"),
    (W, "ja.work.r16_wages_unpaid", "残業代、三か月分いまだに払われてない"),
    (N, "", "給料、今日振り込まれてた！"),
    (W, "en.concern.eighth", "final notice from the gas company came today"),
    (N, "", "got a final notice for my library book lol"),
    (N, "", "i'm sleeping in tomorrow, no alarm"),
    # The seventh table: conditionals and questions.
    (C, "en.means.fourth", "are 40 of these enough"),
    (N, "", "would 40 people be enough for the hall"),
    # The eighth table: everyday verbs that are also a crisis's verbs.
    (N, "", "娘の前髪を切りすぎた、ごめん"),
    (C, "ja.act.tenth", "手首、切りすぎた"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


# Readings that veto a learned raise to critical (the model cannot see what a sentence is
# about), each beside a crisis that must not be vetoed.
VETOES: list[tuple[bool, str]] = [
    (True, "花粉症の薬のんで、ぼーっとしてる"),
    (False, "風邪薬ひと箱ぜんぶ飲んだ。眠くなってきた"),
    (True, "grandpa dozed off in front of the tv again, snoring like a train"),
    (False, "he took all his pills and now he's snoring weird and won't wake up"),
    (True, "期末終わった〜！もう勉強しなくていいと思ったらほっとした"),
    (False, "テスト終わったら、もう全部終わりにする"),
    (True, "made that recipe again and it finally worked, i know better now"),
    (True, "don't worry, i'm happy with my choice of college"),
    (False, "last time i didn't take enough. i know better now"),
    (True, "最後の一枚のクッキー、妹と半分こした"),
    (False, "最後にちゃんと食べとこうと思って"),
    (True, "counted the plates twice, 30 should be enough for the party"),
    (False, "counted my pills again, 30 should be enough"),
    (True, "everything is packed for the camp next week"),
    (False, "everything's arranged for after i'm gone"),
    (True, "やっとバイト終われる〜"),
    (False, "やっと終われる"),
    (True, "娘が夜中まで宿題してる、えらいなあ"),
    (False, "娘が夜中になっても帰ってこない"),
    (True, "the puppy won't stop wagging, so cute"),
    (False, "the baby won't stop crying and i'm scared i'll shake her"),
    (True, "started biting my nails again this week"),
    (False, "started cutting again this week"),
    (True, "i really want to move out next year"),
    (True, "keeping the extra tablets for the trip next week"),
    (False, "keeping the extra tablets in a jar"),
    (True, "sat on the edge of the pool with my feet in the water"),
    (False, "sat on the edge of the platform"),
    (True, "あの子が来なかったら、ひとりでカラオケ行こう"),
    (False, "あの人が戻ってこなかったら、海に行く"),
    (True, "出張でいなくなったら、金魚のエサどうしよう"),
    (False, "私がいなくなったら、みんな楽になる"),
    (True, "何杯飲んだら酔うのか知りたい笑"),
    (False, "何錠飲んだら死ねるのか知りたい"),
    (True, "is 20 minutes enough for the bus transfer"),
    (False, "is 20 enough to not wake up"),
    (True, "if the party runs late i'll drive myself home"),
    (True, "set three alarms so i wake up in time for work"),
    (True, "台風で連休の予定が全部パー"),
    (False, "予定は全部終わらせた。あとは飛ぶだけ"),
    (True, "my last day at the old office, cake with everyone"),
    (False, "this is my last day. thank you for everything"),
    # Merge interactions with the English round: a bare date is not an event, and a sleep
    # wished never to end is not a nap.
    (False, "picked the date for the 21st"),
    (True, "set the date for the bbq"),
    (False, "dozed off on the couch, wish i never woke up"),
    # Merge interactions with the Japanese round: a debt repaid "with this" is settling
    # affairs, and leaving first "not to come back" is a farewell.
    (False, "借金、全部返済した。これでもう思い残すことない"),
    (True, "立て替えてもらってた分、返した。すっきり！"),
    (False, "お先に失礼します。もう戻りません、お元気で"),
    (True, "お先に失礼します、また明日"),
    (False, "兄が前にODしたって話を聞いた。自分も同じことばかり考える"),
    (True, "姉が昔ODしたって話、今ならわかる気がする"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)


# Readings that veto a learned raise to concern only.
CONCERN_VETOES: list[tuple[bool, str]] = [
    (True, "坂道のぼったら息切れした、年かな"),
    (False, "階段あがったら息切れして胸が痛い、冷や汗が出る"),
    (True, "公園のベンチで風に当たってる、気持ちいい"),
    (False, "歩道橋の上で風に当たってる"),
    (True, "grabbed some food before my shift"),
    (False, "had dinner. my last one, i think"),
    # The sixth table's.
    (True, "家賃、今月は分割にしてもらえた"),
    (False, "家賃が払えない"),
    (True, "この一週間、アニメしか見てない、最高"),
    (False, "この一週間、誰とも話してない"),
    (True, "been sleeping in late since the holidays started, bliss"),
    (False, "haven't slept in 3 days and cry all the time"),
    (False, "been sleeping in my car since the weekend"),
]


@pytest.mark.parametrize(("vetoed", "text"), CONCERN_VETOES)
def test_concern_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text, critical=False)
