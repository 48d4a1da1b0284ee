"""Round 15's Japanese rules (signals/rules.toml, "Round 15, Japanese"): each form in sentences
other than the development-table lines it was found from, with the ordinary sentences next to it
that must not be read as a crisis; then the ordinary readings that veto a learned raise, each
beside a crisis they must not veto; then the round's development tables through the classifier
the bot uses, with their floors. The first two parts ask the rules alone, not the learned layer."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from signals import Severity
from signals.classifier import default_classifier, rules_classifier
from signals.evaluate import LabelledMessage, Metric, evaluate, read_eval_file
from signals.normalize import normalize
from signals.training.train import CORPUS_PATH

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (C, "ja.plan.r15ja_pet_handover", "うちの犬、実家の母に託した。あとはよろしくね"),
    (N, "", "旅行のあいだ犬を実家に預けた、あとよろしく"),
    (N, "", "猫のごはん一年分まとめ買いした、安かった"),
    (C, "ja.plan.r15ja_passwords", "ネットバンクの暗証番号、ノートにまとめて引き出しに入れといた"),
    (N, "", "wifiのパスワード紙に書いて玄関に貼っといた"),
    (N, "", "母のスマホのパスワード、メモして財布に入れといた"),
    (C, "ja.plan.r15ja_no_trouble", "ローンも全部払いきった。もう誰にも迷惑かけずに済む"),
    (N, "", "騒音のことは管理会社に伝えた、これで隣に迷惑かからん"),
    (C, "ja.plan.r15ja_when_asleep", "旦那が寝たら、やる"),
    (N, "", "子どもが寝たら、ゲームやる"),
    (N, "", "みんなが寝たら行くね、コンビニ"),
    (C, "ja.passive.r15ja_media_link", "ドラマのあの人と同じ結末を選びたい"),
    (C, "ja.passive.r15ja_media_link", "ニュースの踏切の人、私もああなれたらいいのに"),
    (C, "ja.passive.r15ja_media_link", "映画で死んだ主人公。うらやましいと思ってしまった"),
    (N, "", "主人公みたいに強くなりたい"),
    (N, "", "金メダルの選手、自分もああなりたい"),
    (N, "", "北海道は雪降りまくり。うらやましい"),
    (W, "ja.anxiety.r15ja_dread_going", "学校行くのが怖くて、毎朝お腹痛い"),
    (N, "", "会社行くのが楽しみ"),
    (W, "ja.loss.r15ja_night_care", "寝たきりの父の介護で、夜中に何回も起こされる"),
    (N, "", "夜中に猫に起こされた笑"),
    (C, "ja.plan.r15ja_when_asleep", "家族がいない間にする"),
    (N, "", "みんなが旅行行ってる間に掃除する"),
    (C, "ja.plan.r15ja_after_event", "誕生日が過ぎたら、もう終わり"),
    (N, "", "この仕事終わったら、それで終わり"),
    (C, "ja.means.r15ja_several_shops", "薬局を何軒もまわって、睡眠薬を集めた"),
    (N, "", "ドラッグストアはしごしてマスク集めた"),
    (C, "ja.passive.r15ja_media_link", "映画の主人公が海に消えていくラスト、自分もそうしたい"),
    (C, "ja.passive.r15ja_media_link", "映画みたいな終わり方がしたい"),
    (N, "", "川に落ちた猫を助けた人、私もああなりたい"),
    (N, "", "小説の主人公が遺書を書いてる、自分も読書感想文書かなきゃ"),
    (C, "ja.violence.r15ja_quoted_threat", "元カレから「晒すぞ」ってDMきた"),
    (N, "", "母に「そんなことしたら痛い目みるよ」って言われた"),
    (N, "", "「燃やすぞ」って兄がゲームで叫んでた"),
    (W, "ja.work.r15ja_rent_short", "日雇いの仕事しか見つからない"),
    (W, "ja.work.r15ja_rent_short", "今月、家賃足りません"),
    (N, "", "家賃の振込、今月も済んだ"),
    (C, "ja.voices.r15ja_command", "こえが しねって ずっと いってくる"),
    (C, "ja.voices.r15ja_command", "幻聴に「刺せ」って一晩中言われてる"),
    (N, "", "声優さんが「消えろ」ってセリフ言うシーン最高"),
    (N, "", "先生の声が「きれいに書け」って言う夢みた"),
    (C, "ja.farewell.r15ja_last_word", "さいごに一言だけ、ありがとう。元気でね"),
    (N, "", "送別会で最後に一言ありがとうって言えた"),
    (C, "ja.plan.r15ja_date_execute", "10日、ちゃんと実行するね"),
    (N, "", "25日に引っ越し実行する"),
    (C, "ja.passive.r15ja_scene_is_me", "ドラマのラスト、あれが私の明日の姿"),
    (N, "", "あれ、私の明日の予定どうなってたっけ"),
    (W, "ja.loss.r15ja_care_years", "母の介護、もう5年になる"),
    (N, "", "介護の資格とって5年"),
    (C, "ja.plan.r15ja_pet_handover", "インコは姉に飼ってもらう。あとはお願い、もう会えないけど"),
    (N, "", "犬の散歩、今日は弟に頼んだ。あとよろしく"),
    (C, "ja.plan.r15ja_no_trouble", "ローン全部済ませた。もう子どもに迷惑かけずに済む"),
    (N, "", "ローンの返済ぜんぶ済ませた、来月から貯金できる"),
    (N, "", "職場のパソコンのパスワード、付箋に書いてモニターに貼った"),
    (C, "ja.plan.r15ja_when_asleep", "子どもたちが寝たら、いく"),
    (C, "ja.plan.r15ja_passwords", "ネットバンクのログイン情報、メモして弟に郵送した"),
    (N, "", "会社のログイン情報、メモして後輩に渡した"),
    (C, "ja.means.r15ja_platform_edge_wait", "駅のいちばん端で待つ"),
    (N, "", "ホームの端で待ってて、一番前の車両乗るから"),
    (C, "ja.farewell.r15ja_unfilial", "親不孝でごめん。今までありがとう、元気で"),
    (N, "", "親不孝でごめんね、今年も帰省できない"),
    (C, "ja.passive.r15ja_media_link", "彼女は死を選んだ。私も同じ道を選ぶ"),
    (N, "", "兄は医者になった。私も同じ道を行く"),
    (C, "ja.plan.r15ja_unseen_after", "日記、全部燃やした。誰にも見られたくないから"),
    (N, "", "スマホの写真、彼氏に見られたくないから消した"),
    (C, "ja.farewell.r15ja_life_was", "楽しい人生やった。じゃあね"),
    (N, "", "いい人生だったって、祖父の葬式で父が言ってた"),
    (C, "ja.passive.r15ja_media_link", "主人公が自分で幕を下ろした。私もそうする"),
    (C, "ja.passive.r15ja_media_link", "樹海の行き方、検索した"),
    (N, "", "テレビの絶景特集見て、あの橋の行き方調べた"),
    (C, "ja.plan.r15ja_date_execute", "金曜、決行する"),
    (N, "", "土曜にライブ決行する"),
    # Ordinary readings.
    (N, "", "犬をペットホテルに預けて温泉いく"),
    (C, "", "犬は友達に引き取ってもらった。あとのことは頼んだ"),
    (N, "ja.idiom.r15ja_password_asked", "母にスマホの暗証番号聞かれたから、紙に書いて渡した"),
    (C, "", "通帳の暗証番号、メモして机の上に残しといた"),
    (N, "", "あのダンサー見て、私もあんなふうに踊りたい"),
    (C, "", "ニュースの飛び降りた人、自分もああなりたい"),
    (N, "ja.idiom.r15ja_sad_ending", "映画館閉館やって、さみしい"),
    (W, "", "一人暮らしさみしい"),
    (N, "", "担任の先生、今日で最後やって"),
    (C, "", "今日で最後にします、ありがとう"),
    (N, "", "医者に一日3回って言われた薬、ちゃんと飲んでる"),
    (N, "ja.idiom.r15ja_strain_named", "もう限界、この暑さ"),
    (C, "", "もう無理、消えたい"),
    (N, "ja.idiom.r15ja_nap", "疲れたわ、今日は早よ寝よ"),
    (C, "", "疲れた、もう寝たい、起きたくない"),
    (N, "", "胃がもう限界、食べすぎた"),
    (C, "", "もう限界、死にたい"),
    (N, "ja.idiom.r15ja_voice_explained", "声が聞こえた気がしたけど、となりのテレビやった"),
    (W, "", "最近、声が聞こえる。だんだん大きくなってる"),
    (N, "", "雨だけど花火大会は決行らしい"),
    (C, "", "もう迷わない、明日決行する"),
    (N, "ja.help.r15ja_stuck_lock", "ジャムの瓶が開かない、誰か助けて"),
    (C, "", "閉じ込められて鍵が開かない、誰か助けて"),
    (N, "ja.idiom.r15ja_heart_aches", "虐待のニュース見て胸が痛む"),
    (C, "", "ニュース見てたら胸が痛い、汗がとまらん"),
    (N, "ja.resolved.r15ja_hard_time_over", "前はつらかったけど、今は元気"),
    (W, "", "前はつらかったけど、今もつらい"),
    (N, "ja.idiom.r15ja_thought_id_die", "今日の部活、死ぬかと思った"),
    (C, "", "死ぬかと思った、首しめられて"),
    (N, "ja.idiom.r15ja_pain_gone", "親知らず抜いた、腫れ引いて楽になりたい"),
    (C, "", "もう全部から解放されて楽になりたい"),
    (N, "ja.idiom.r15ja_period_pain", "生理痛つらすぎ"),
    (W, "", "毎日つらすぎ"),
    (N, "ja.help.r15ja_stuck_lock", "財布忘れた、だれか助けて"),
    (C, "", "もうだめ、だれか助けて"),
    (C, "", "薬局の薬、一日3回のを全部まとめて飲んだ"),
    (W, "ja.loss.r15ja_night_care", "認知症の父に毎晩起こされて、こっちが倒れそう"),
    (C, "", "介護中の母が倒れて意識がない"),
    (N, "ja.idiom.r15ja_fandom_breath", "推しのビジュ良すぎて息してない"),
    (C, "", "父が息してない、救急車"),
    (N, "ja.idiom.r15ja_nap", "もう動けへん、ひと休みするわ"),
    (N, "ja.resolved.r15ja_paid_in_time", "ガス止まりそうやったけど、給料出て払えた"),
    (W, "", "ガス止められた、払えない"),
    (N, "ja.resolved.r15ja_hard_time_over", "つらかった時期もあったけど、今は毎日元気"),
    (W, "", "つらい時期が続いてる、今もしんどい"),
    (C, "", "キャンプ行くって言って、車で練炭たく"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    result = rules_classifier().classify(text)
    assert result.severity is label, (text, result.rules)
    if rule_id:
        assert rule_id in result.rules, (text, result.rules)


# Readings that veto a learned raise to critical (the model cannot see what a sentence is
# about), each beside a crisis that must not be vetoed.
VETOES: list[tuple[bool, str]] = [
    (True, "店を今月でたたむことになった、長い間ありがとうございました"),
    (False, "今まで本当にありがとう。さようなら"),
    (True, "このアカ消します、新垢作ったのでフォローお願いします"),
    (False, "アカウント全部消した。もう誰とも話さない"),
    (True, "バーベキューで炭に火おこした"),
    (False, "キャンプ行くって言って、車で練炭たく"),
    (True, "もう動けへん、ひと休みするわ"),
    (False, "もう動けない、何もしたくない"),
    (True, "子どもが寝たら、ゲームやる"),
    (True, "家族が寝静まったら、ビール飲む"),
    (False, "家族が寝静まったら、決行"),
    (True, "犬をペットホテルに預けて温泉いく"),
    (True, "出張のあいだ、うちの子は実家にお願いした"),
    (False, "うちの子は姉にお願いした。あとはよろしく"),
    (True, "あのダンサー見て、私もあんなふうに踊りたい"),
    (True, "担任の先生、今日で最後やって"),
    (True, "医者に一日3回って言われた薬、ちゃんと飲んでる"),
    (True, "薬剤師さんから、この胃薬は一日2回って説明された"),
    (False, "薬局の薬、一日3回のを全部まとめて飲んだ"),
    (True, "腰の痛みが取れたら楽なのに"),
    (False, "もう全部なくなったら楽なのに"),
    (True, "ひざいたい、あした病院"),
    (False, "ひざいたい、もう生きてたくない"),
    (True, "女優さんみたいに、私もきれいになりたい"),
    (True, "ドラマみたいな恋がしたい"),
    (False, "あの人みたいに、私も楽になりたい"),
    (True, "スーパー三軒回ってやっとトイレットペーパー買えた"),
    (False, "薬局を三軒まわって、睡眠薬を集めた"),
    (True, "自分を励ましながら、なんとか発表乗り切った"),
    (True, "ゴミ当番やっといた、これで近所に迷惑かからん"),
    (False, "借金ぜんぶ返した。これで誰にも迷惑かからん"),
    (True, "けさ雪つもって寒かった"),
    (False, "雪つもって寒い、ストーブの灯油ない"),
    (True, "四十肩、もう腕あがらん。整体いってくる"),
    (False, "もう腕あがらん、何もできん、消えたい"),
    (True, "今まで本当にお世話になりました。4月から本社勤務です"),
    (False, "今まで本当にありがとう。さようなら"),
    (True, "来週から旅行！お土産なにがいい？"),
    (True, "息子と踏切で電車見てた"),
    (False, "踏切の前でずっと電車見てる、もう疲れた"),
    (True, "里親さん探してたけど、結局うちで飼うことにした"),
    (True, "夫が出かけたら、行くね、ママ友とカフェ"),
    (True, "草むしりしとったら汗びっしょり"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    clf = rules_classifier()
    result = clf.classify(text)
    _concern, critical, _firm = clf.vetoes(result, normalize(text).text)
    assert critical is vetoed, (text, result.rules)


# The round's development tables (tests/signals/data/dev_round15_ja*.tsv), each written blind and
# scored before any fix, through the classifier the bot uses. Blind figures (critical answered
# critical, critical answered none, concern escalated, false critical, false concern):
#   dev_round15_ja.tsv   (94): 0.860, 0.060, 0.900, 0.147, 0.059
#   dev_round15_ja_b.tsv (59): 0.733, 0.167, 0.800, 0.208, 0.167
#   dev_round15_ja_c.tsv (52): 0.840, 0.080, 1.000, 0.050, 0.200
#   dev_round15_ja_d.tsv (39, 30 of them ordinary twins of the round's rules): 0.889, 0.111, n/a,
#                          0.233, 0.067
#   dev_round15_ja_e.tsv (43): 0.800, 0.150, 1.000, 0.118, 0.118
#   dev_round15_ja_f.tsv (39): 1.000, 0.000, 1.000, 0.174, 0.043
#   dev_round15_ja_g.tsv (32): 0.722, 0.111, n/a, 0.214, 0.071
# The floors are what they reached after their fixes. One crisis of the third table stays a miss
# on purpose: subscriptions cancelled as not needed next month (ネトフリもジムも全部解約した、来月は
# もういらん) reads as saving money as much as preparation, and the older ordinary-ending reading
# that stops it keeps many ordinary lines right.
DATA = Path(__file__).parent / "data"
FLOORS: dict[str, dict[Metric, tuple[float, float]]] = {
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
}


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _rows(name: str) -> list[LabelledMessage]:
    return read_eval_file(DATA / name)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_table_meets_its_floors(name: str) -> None:
    clf = default_classifier()
    report = evaluate(_rows(name), lambda text: clf.classify(text).severity)
    for metric, (low, high) in FLOORS[name].items():
        got = report.metric(metric)
        assert got is not None
        misses = [m.message.text for m in report.misses]
        assert low <= round(got, 3) <= high, (metric.value, got, misses)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_table_is_well_formed(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 20
    for m in rows:
        assert m.category
        if m.category.startswith("trap_") or m.category == "everyday":
            assert m.label is Severity.NONE, (m.line, m.text)
    folded = [_fold(m.text) for m in rows]
    assert len(set(folded)) == len(folded)


def test_no_line_of_the_tables_is_training_data() -> None:
    corpus = [
        _fold(line.split("\t")[2])
        for line in CORPUS_PATH.read_text(encoding="utf-8").split("\n")
        if line and not line.startswith("#") and line.count("\t") >= 2
    ]
    seen = [
        (name, m.text)
        for name in FLOORS
        for m in _rows(name)
        if any(_fold(m.text) == c or _fold(m.text) in c for c in corpus)
    ]
    assert seen == []
