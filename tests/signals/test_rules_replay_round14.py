"""Round 14's rules from the corpus replay (signals/rules.toml, "Round 14, from the corpus
replay"): each form in sentences other than the corpus lines it was found from, and the ordinary
sentences next to it that must not be read as a crisis; then the ordinary readings that stop
the rules' false alarms, each with a crisis next to it that they must not stop. Rules only: the
learned layer is not asked, so each row tests the rules themselves."""

from __future__ import annotations

import pytest

from signals import Severity
from signals.classifier import rules_classifier
from signals.normalize import normalize
from tests.signals.rule_rows import assert_form, assert_veto

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (C, "ja.plan.r14_execute", "もう迷いはない、週末に実行する"),
    (C, "ja.plan.r14_execute", "あした実行します"),
    (N, "", "明日、計画を実行します"),
    (N, "", "実行委員会は明日です"),
    (C, "ja.plan.r14_date_death", "月曜日に死ぬ。もう決めた"),
    (N, "", "テストの日に死ぬかと思った笑"),
    (C, "ja.plan.r14_decided", "もう、いなくなることに決めた"),
    (N, "", "グループLINEから消えることにした"),
    (C, "ja.ideation.r14_leave_world", "この世からおさらばしたい"),
    (N, "", "この世界観すき"),
    (C, "ja.plan.r14_only_left", "場所は決めてある。あとはやるだけ"),
    (C, "ja.plan.r14_only_left", "準備も出来たし、あとは明日だけ"),
    (N, "", "旅行の準備できた、あとは荷物詰めるだけ"),
    (C, "ja.plan.r14_end_today", "今夜でもう終わりにします"),
    (C, "ja.plan.r14_end_today", "もう疲れた。明日、全部終わらせる"),
    (N, "", "今日で仕事終わりにします"),
    (N, "", "明日は全部終わらせてから帰るね"),
    (C, "ja.selfharm.r14_replay", "わざとやけどした、落ち着くから"),
    (C, "ja.selfharm.r14_replay", "爪で腕ひっかいて血でた"),
    (C, "ja.selfharm.r14_replay", "手首、またやっちゃった"),
    (N, "", "料理してて火傷した、痛い"),
    (N, "", "猫に腕ひっかかれた"),
    (C, "ja.medical.r14_symptoms", "蜂にさされたあと、のどが苦しい"),
    (C, "ja.medical.r14_symptoms", "まっくろなうんちが出た"),
    (C, "ja.medical.r14_symptoms", "じいちゃんが冷たくなってる"),
    (N, "", "喉が痛い、風邪かな"),
    (N, "", "手が冷たい、外寒いね"),
    (C, "ja.violence.r14_shouted", "隣の部屋で父が「ぶっ殺してやる」と怒鳴ってる"),
    (C, "ja.means.r14_waiting", "駅のホームで電車ずっと見送ってる"),
    (C, "ja.means.r14_waiting", "カッター持ってトイレにいる"),
    (N, "", "ホームで電車待ってる、遅延してる"),
    (N, "", "快速なら10分早く着くよ"),
    (C, "en.ideation.r14_replay", "idwt to wake up tomorrow"),
    (C, "en.ideation.r14_replay", "i just want to be with my late wife again"),
    (C, "en.ideation.r14_replay", "whats a painless way to die"),
    (N, "", "want to see my mom again soon, she lives in osaka"),
    (C, "en.act.r14_whole", "i took the entire bottle"),
    (N, "", "the dog ate the whole box of cookies"),
    (N, "", "finished a whole bottle of water at the gym"),
    (N, "", "今日でこのゲーム終わりにする、飽きた"),
    (C, "en.selfharm.r14_replay", "picked at my skin until it bled again"),
    (C, "en.selfharm.r14_replay", "burnt myself with a cigarette"),
    (N, "", "burned myself on the stove making pancakes"),
    (N, "en.idiom.r14_burn_accident", "burnt myself with the curling iron"),
    (C, "en.medical.r14_symptoms", "my dad's smile is drooping on one side"),
    (C, "en.medical.r14_symptoms", "ate some shrimp and now my throat feels tight"),
    (C, "en.medical.r14_symptoms", "bad pain in my chest and left arm"),
    (N, "", "my throat is sore from singing"),
    (C, "en.violence.r14_now", "someone is trying to break in"),
    (C, "en.violence.r14_now", "locked myself in the bedroom, he's punching the door"),
    (N, "", "my cat keeps trying to open the fridge"),
    (C, "en.means.r14_ready", "i have 40 tablets lined up"),
    (C, "en.farewell.r14_worry", "you won't need to worry about me anymore"),
    (N, "", "don't worry about me, i'm fine"),
    (C, "ja.selfharm.r14_more", "また髪の毛抜いて血が出てる"),
    (C, "en.selfharm.r14_more", "hit the wall until my hands were bleeding"),
    (N, "", "punched the bag at the gym till my arms gave out"),
    (C, "en.means.r14_more", "taped the car windows shut"),
    (C, "en.means.r14_more", "bought 4 boxes of painkillers from several pharmacies"),
    (C, "ja.means.r14_more", "手すりを乗り越えた"),
    (N, "", "展望台の柵の向こうに海が見えた"),
    (C, "en.medical.r14_stroke", "dad's face went numb and he's slurring"),
    (C, "ja.farewell.r14_loved", "お父さん、ごめんなさい。大好きでした"),
    (C, "ja.plan.r14_replay_next_time", "前は失敗したから、次は確実な方法にする"),
    (N, "", "試験は失敗したけど次は頑張る"),
    (C, "", "前は思いとどまったけど、今度は本気"),
    (W, "", "昔は死にたいと思ってた"),
    (C, "en.ideation.r14_gift", "honestly my death would be a relief for everyone"),
    (N, "", "来世でまた会おうね笑"),
    (C, "", "今夜こそやる。来世でまた会おう"),
    (C, "ja.ideation.r14_not_wake", "もう目覚めなくていいや"),
    (N, "", "明日は休みだから目覚ましかけなくていい"),
    (C, "en.plan.r14_once_rehomed", "once the dog has a new home i'm gone"),
    # Ordinary readings.
    (N, "ja.quote.r14_joking", "妹が「宿題多すぎて死にたい」って叫んどる笑"),
    (N, "ja.quote.r14_joking", "「殺すぞ〜」って芸人がツッコんでて笑った"),
    (C, "", "「もう死にたい」って毎日思ってる"),
    (W, "ja.other.r14_quote_after", "「死にたい」って友達が言ってて心配"),
    (N, "ja.idiom.r14_level", "消えたいレベルの眠さ"),
    (N, "en.quote.r14_joking", "my bro was like \"i'm gonna kill myself\" over a game lmao"),
    (N, "en.quote.r14_joking", "we sang \"i want to die\" at karaoke"),
    (W, "en.other.r14_shouted", "my daughter screamed \"i want to die\" when i took her phone"),
    (C, "", "i keep telling myself \"i want to die\" every night"),
    (N, "en.media.r14_story", "this show has a guy overdose in episode 3, heavy"),
    (C, "", "that film made me realise i want to die too"),
    (N, "ja.media.r14_story", "最終回で主人公が自殺しててびっくりした"),
    (N, "ja.media.r14_story", "研修で自殺予防の講義聞いた"),
    (C, "", "主人公みたいに消えたい"),
    (N, "ja.other.r14_stranger_seen", "電車で人が倒れて救急車来てた、駅員さんが対応してた"),
    (N, "ja.other.r14_stranger_seen", "学校の前に救急車きてた"),
    (C, "", "家の前に救急車呼んだ、息子が倒れた"),
    (N, "ja.help.r14_chore", "パソコンの設定わからん、誰か助けて"),
    (N, "", "ゴキブリ出た、たすけて"),
    (C, "", "もうどうしたらいいかわからない、助けて"),
    (N, "ja.idiom.r14_ordinary_end", "チャンネルは今月で終了します、今までありがとう"),
    (C, "", "今まで話を聞いてくれてありがとう。さようなら"),
    (N, "en.idiom.r14_ordinary_end", "said goodbye to my old desk at the office"),
    (N, "en.idiom.r14_ordinary_end", "made up my mind, moving to osaka for good"),
    (N, "ja.resolved.r14_now_coping", "昔リスカしてたけど、今は落ち着いてる"),
    (C, "", "昔は落ち着いてたけど、今は死にたい"),
    (N, "ja.negation.r14_no_room", "消えたいとか考える余裕もないくらい仕事楽しい"),
    (N, "ja.negation.r14_no_room", "自分を傷つけたりしないから安心して"),
    (N, "ja.idiom.r14_view_and_fuel", "30階から見える夜景きれい"),
    (C, "", "車に練炭と七輪用意した"),
    (N, "ja.substring.r14_replay_named", "リスカっていう名前のバンド知ってる？"),
    (N, "en.substring.r14_kms", "the kms were brutal on that hike"),
    (C, "", "kms fr"),
    (C, "", "高校の卒業式の日に死ぬつもり"),
    (N, "ja.idiom.farewell_ordinary", "退職しました、今までありがとうございました。さようなら"),
    (N, "ja.idiom.r14_ordinary_notes", "遺書みたいな長文メール送ってしまった笑"),
    (C, "", "遺書書き終わった"),
    (N, "en.idiom.r14_new_number", "this is my last message on this account, moving to a new one"),
    (N, "ja.idiom.r14_reassured", "心配かけてごめん、心配してくれてありがとう、もう大丈夫"),
    (N, "ja.idiom.r14_bath_relief", "温泉行って楽になりたい、肩こりひどい"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    assert_form(label, rule_id, text)


# Readings that veto a learned raise to critical (the model cannot see what a sentence is
# about), each beside a crisis that must not be vetoed.
VETOES: list[tuple[bool, str]] = [
    (True, "痛み止め飲んだら腰の痛みおさまった"),
    (True, "took some paracetamol and the fever went away"),
    (True, "来週から毎朝走るって決めた"),
    (True, "じゃあまた来週、ばいばい"),
    (False, "またね、とは言えない。今までありがとう"),
    (True, "着なくなった服をメルカリに出した"),
    (True, "counting down till payday lol"),
    (True, "i'm deleting tiktok for a month"),
    (True, "先生に言われた通り寝る前に1錠だけ飲んでる"),
    (True, "took my iron pill after lunch"),
    (False, "how many of my thyroid pills would be enough"),
    (True, "死ぬまでに一度富士山登りたい"),
    (True, "this commute will be the death of me"),
    (True, "used to cut myself but i'm 3 years clean and doing well"),
    (True, "昔はODしてたけど、もう3年飲んでない"),
    (True, "長生きしたいから野菜食べてる"),
    (True, "あのシーンで泣いた、まさかの展開"),
    (False, "あした しんでてもいい"),
    (True, "機種変した、前のスマホのデータ消した"),
    (False, "スマホのデータ全部消した。もう使わないから"),
    (True, "来月からは新しい担当さんです、今までありがとう"),
    (True, "土曜の昼はラーメンって決めてる"),
    (False, "土曜の夜に死ぬって決めてる"),
    (False, "もう生きていたくない"),
    (False, "i want to die tonight"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    assert_veto(vetoed, text)


@pytest.mark.parametrize(
    ("capped", "text"),
    [
        (True, "延命治療はしないでって家族に伝えた"),
        (True, "しゅうかつ はじめました"),
        (True, "子どもに迷惑かけんように、物の整理を始めた"),
        (False, "家族に迷惑かけたくないから消えたい"),
    ],
)
def test_end_of_life_planning_caps_a_raise(capped: bool, text: str) -> None:
    assert rules_classifier()._capped(normalize(text).text) is capped
