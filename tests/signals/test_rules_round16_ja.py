"""Round 16's Japanese rules (signals/rules.toml, "Round 16, Japanese"): each form in sentences
other than the development-table lines it was found from, with the ordinary sentences next to it
that must not be read as a crisis; then the ordinary readings that veto a learned raise, each
beside a crisis they must not veto. Both ask the rules alone, not the learned layer. The round's
development tables, their blind figures and their floors are in test_dev_tables.py."""

from __future__ import annotations

import pytest

from signals import Severity
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (C, "ja.ideation.r16ja_imagine_gone", "夜になると自分が消える想像ばっかりしてしまう"),
    (C, "ja.ideation.r16ja_imagine_gone", "俺が死んだとこの想像、毎晩する"),
    (N, "", "自分がいなくなっても会社が回るように、引き継ぎ資料つくってる"),
    (N, "", "自分が宝くじ当たる想像ばっかりしてる"),
    (
        C,
        "ja.passive.r16ja_other_side",
        "駅で飛び込みがあったって聞いて、私もそっちに行きたいって思ってしまった",
    ),
    (
        C,
        "ja.passive.r16ja_other_side",
        "記事で自殺した人の話を読んで、自分もあっち側に行けたらって",
    ),
    (N, "", "ライブの最前列の人たち見て、私もそっち側に行きたいって思った"),
    (N, "", "ニュースで電車の事故のこと見て、怖くなった"),
    (N, "ja.media.r14_story", "ニュースで、高校生が橋から飛び降りたって"),
    (N, "", "練炭で火鉢あったかい、もちも焼いた"),
    (C, "", "練炭と七輪、車に積んだ"),
    (N, "", "印鑑と通帳、娘に預けた。手術のあいだ頼むねって"),
    (N, "", "部屋きれいにした。あとは友達が来るの待つだけ"),
    (N, "", "今まで本当にありがとね。また来年の盆に帰るけん"),
    (N, "", "連休明けが一生来なくていい"),
    (C, "", "もう明日が来なくていい"),
    (N, "", "今月の引き落としも全部済んだ、ほっとした"),
    (N, "", "頭の中でCMの歌がずっとぐるぐるしてる"),
    (C, "", "頭の中の声が、死ねってずっと言ってる"),
    (
        C,
        "ja.farewell.r16ja_kana_closing",
        "いままで ほんとに ありがとう ございました みなさん おたっしゃで",
    ),
    (C, "ja.farewell.r16ja_kana_closing", "ながいこと おせわに なりました。どうか おげんきで"),
    (N, "", "ながいあいだ おせわに なりました。らいげつから しせつに はいります"),
    (N, "", "ながいあいだ ありがとうございました。おげんきで、また あそびに きてね"),
    (C, "ja.farewell.r16ja_going_ahead", "ごめんな、みんな。ひと足先に行くわ"),
    (N, "", "ごめん、先に行くわ、駅で待ってる"),
    (N, "", "ありがと、先行っとくね、席とっとくから"),
    (C, "ja.passive.r16ja_nor_live", "べつに生きていたいとも思わんし"),
    (N, "", "この町で生きていきたいとは思わない、いつか東京に出る"),
    (N, "", "長生きしたいとも思わんけど、健康には気をつけとる"),
    (C, "ja.plan.r16ja_after_memorial", "父の三回忌が終わったら、わしもすぐ行く"),
    (N, "", "法事が終わったら、私も行くね、ランチのお店"),
    (N, "", "四十九日が済んだら、みんなで旅行行くね"),
    (C, "ja.passive.r16ja_to_late_spouse", "死んだ女房のとこ、もうそろそろ行きたいのう"),
    (C, "ja.passive.r16ja_to_late_spouse", "じいさんのそばに早う行きたい"),
    (N, "", "ばあさんのとこ はよ行きたい、病院の面会は何時からかの"),
    (N, "", "母のところに早く行きたい、お正月に会いに行く"),
    (C, "ja.passive.r16ja_my_turn_next", "ドラマで主人公が飛び降りたの見た。次は私の番だと思う"),
    (N, "", "バンジーで兄が飛んだ。次は私の番、こわい"),
    (N, "", "みんな発表終わった、次は私の番"),
    (N, "", "橋の上から海みてる。夕日がきれい"),
    (N, "", "この風邪薬って一日何回まで飲んでいいですか"),
    (N, "", "すきま風ひどいけん、窓に目張りした"),
    (C, "", "車の窓に目張りした"),
    (N, "", "子ども生まれたけん、保険の受取人を妻にした"),
    (C, "", "保険の受取人、妻に書き換えといた"),
    (N, "", "来年から英会話に通うって決めた"),
    (W, "ja.resolved.r16ja_then_vs_now", "昔殴られてた頃とくらべたら、今はずいぶん楽"),
    (C, "", "また殴られてる、今トイレに隠れてる"),
    (N, "", "また声がする。となりの犬が鳴いてる"),
    (C, "ja.voices.r16ja_voice_then_command", "また声がする。死ねって言ってる"),
    (C, "ja.voices.r16ja_voice_then_command", "こえが きこえる、はやく とべって"),
    (N, "", "また声がする。隣の子が縄跳びで「とべ」って"),
    (C, "ja.ideation.twelfth", "ありがとう、先に行きます"),
    (N, "", "二日酔いがひどい、次から酒の量へらす"),
    (N, "", "じいちゃん呼んでも返事なし、耳が遠いんよね"),
    (
        C,
        "ja.passive.r16ja_spared_waking",
        "べつに死にたくはないけど、二度と目が覚めなくて済むならそれが一番",
    ),
    (N, "", "明日休みやけん、朝起きなくて済むならそれがいい"),
    (N, "", "朝起きなくていいなら最高、在宅勤務ばんざい"),
    (C, "ja.plan.r16ja_after_payday", "年金の日の翌日にしよ。電気代だけは払っとく"),
    (N, "", "給料日の次の日にしよっかな、飲み会。会費だけは先に払っとく"),
    (N, "", "25日にしよっかな、美容院"),
    (
        C,
        "ja.plan.r16ja_answer_found_calm",
        "ずっと悩んでたけど、もう心が決まったから、今はとても静か",
    ),
    (N, "", "進路のこと悩んでたけど、もう答え出たからすっきり"),
    (N, "", "宿題の問題、もう答え出たから安心"),
    (C, "ja.voices.r16ja_quoted_command", "頭の中で「消えろ」って一晩中"),
    (C, "ja.voices.r16ja_quoted_command", "だれもいないのに耳元で「飛べ」と囁かれる"),
    (N, "", "コーチに「もっと走れ」って毎日言われる"),
    (N, "", "母に「早く寝ろ」って言われた"),
    (C, "ja.passive.r16ja_say_goodbye_wish", "もう、この世にさよならしたい"),
    (N, "", "もう満員電車とさよならしたい"),
    (N, "", "ほんとに肌荒れにさよならしたい笑"),
    (N, "", "もうさよならしたい、このくせ毛と"),
    (N, "", "ベルトの穴、あと一個ゆるめたい。食べすぎた"),
    (C, "", "ベルトで首をつれるかな"),
    (N, "", "借金取りに追われる夢を見て、飛び起きた"),
    (N, "", "元旦那が車で来てる、今日は養育費の受け渡し"),
    (N, "", "子どもが転んで膝すりむいた、絆創膏どこ？"),
    (C, "", "転んで起き上がれん、膝すりむいた、誰か来て"),
    (C, "ja.means.r16ja_shoes_left", "橋の上、くつ脱いで置いた"),
    (N, "", "海で裸足になりたくて、靴は脱いで置いてきた"),
    (N, "", "旅館の玄関で靴をそろえて置いた、川の音がいい"),
    (C, "ja.plan.r16ja_last_milestone", "孫の結婚式までは生きる。それが限界"),
    (N, "", "決勝までは頑張る。それが最後の大会"),
    (C, "ja.plan.r16ja_fearless_calm", "もう何も怖くないよ。なぜか穏やか"),
    (N, "", "お化け屋敷クリアしたし、もう何も怖くない"),
    (N, "", "面接終わった！もう何も怖くない、すっきり"),
    (N, "", "滝を見に来た、写真とりまくり"),
    (N, "", "入院のあいだ、娘が猫の世話しに来てくれる"),
    (N, "", "胃カメラの結果、異常なしで安心した"),
    (N, "", "じいちゃん話が長い、止まらん"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


# Ordinary readings that veto a learned raise (True), each beside a crisis in the same words
# that they must not veto (False).
VETOES: list[tuple[bool, str]] = [
    (True, "炭でさんま焼いたらうまかった"),
    (False, "練炭と七輪、車に積んだ"),
    (True, "ねんきんの通帳、息子にあずけた。入院のあいだ たのむって"),
    (False, "ねんきんの通帳、息子の名前書いた封筒に入れておいた"),
    (True, "片付け終わり、あとは彼氏が来るの待つだけ"),
    (False, "片付け終わり、あとは手紙だけ"),
    (True, "ほんまに今までおおきに。また今度寄るわ"),
    (False, "ほんまに今までおおきに。みんな元気でな"),
    (True, "テストが来なくていい"),
    (False, "朝が来なくていい"),
    (True, "先月の支払いは全部終わった"),
    (False, "支払い全部終わったら、それで終わりにする"),
    (True, "頭の中でずっとあの歌が流れてる"),
    (False, "頭の中で声がずっと流れてる、飛べって"),
    (True, "もう全部ひっこしの準備できた、ながいあいだ ありがとう"),
    (False, "ながいあいだ ありがとう みんな おげんきで"),
    (True, "昔、首しめられてた頃に比べたら、今は平和やね"),
    (False, "さっき首しめられた"),
    (True, "橋の上から川見てたら、鯉がいっぱいおった"),
    (False, "橋の上から川見てる"),
    (True, "ベルト新しいの買った、穴が多くて調整しやすい"),
    (False, "ベルトって体重支えられるかな"),
    (True, "元夫が来る、今日は面会交流の日"),
    (False, "元夫が来る、怖い"),
    (True, "ダム見に来た、放流すごい"),
    (False, "ダム見に来た。誰もおらん。柵こえたらすぐ"),
    (True, "再検査の結果、良性って言われてほっとした"),
    (False, "がんって言われたら、ほっとすると思う"),
    (True, "ジェットコースター五回乗った、もう何も怖くない"),
    (False, "もう何も怖くない、不思議と落ち着いてる"),
    (True, "母の口癖、しゃべり出したら止まらん"),
    (False, "母がしゃべれん、口がゆがんでる"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)
