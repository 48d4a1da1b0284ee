"""Round 15's rules from the lead's table (signals/rules.toml, "Round 15, the lead's table"):
each form in sentences other than the table's, with the ordinary sentences next to it that must
not be read as a crisis; then the ordinary readings that stop the model's false alarms, each with
a crisis next to it that they must not stop. Rules only: the learned layer is not asked."""

from __future__ import annotations

import pytest

from signals import Severity
from signals.classifier import rules_classifier
from signals.normalize import normalize

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE

CASES: list[tuple[Severity, str, str]] = [
    (C, "ja.ideation.r15_dialect_wish", "もうなんもかんも嫌や、死にたか"),
    (C, "ja.ideation.r15_dialect_wish", "はよ楽になりたかー"),
    (C, "ja.ideation.r15_dialect_wish", "もう生ぎでだぐね"),
    (C, "ja.ideation.r15_dialect_wish", "こんな体で生きていたくない"),
    (N, "", "ケーキ、もっと食べたかった"),
    (N, "", "その映画、見たかったなあ"),
    (N, "", "高いところから見たかね？"),
    (N, "", "明日は行きたくない、雨やし"),
    (C, "ja.means.r15_place_end", "ベランダから終わらせたい"),
    (C, "ja.means.r15_place_end", "今夜、この橋から全部終わりにします"),
    (N, "", "屋上から花火見たい"),
    (N, "", "ここから始めよう"),
    (C, "ja.plan.r15_gone_by", "明日にはもういなくなるね。ありがとう"),
    (C, "ja.plan.r15_gone_by", "金曜の夜にはおらんようになるけん"),
    (N, "", "明日から出張で金曜までいなくなるね"),
    (N, "", "来週は実家に帰るから、いなくなるよ"),
    (N, "", "週末は旦那がいなくなるから気楽"),
    (C, "ja.media.r15_self_ending", "あの映画の結末みたいに、私も今夜終わらせる"),
    (C, "ja.media.r15_self_ending", "この曲の歌詞のとおりに消えたい"),
    (N, "", "漫画みたいに消える魔球を投げたい"),
    (N, "", "あの主人公みたいに死ぬほど頑張りたい"),
    (N, "", "映画の主人公みたいに海外で暮らしたい"),
    (C, "ja.plan.r15_alone_place", "家族に迷惑かけないように、一人で行く場所は決めてある"),
    (N, "", "一人で行く場所を決めた、温泉!"),
    (C, "mix.plan.r15_romaji_last", "ashita de saigo ni shimasu. gomen ne"),
    (N, "", "kyou de saigo no shift, otsukaresama!"),
    (N, "", "tabako wa kyou de saigo ni suru!"),
    (W, "ja.hardship.r15_wages_dialect", "今月の給料、まだ入っとらん"),
    (W, "ja.hardship.r15_wages_dialect", "バイト代が払われてへん"),
    (N, "", "給料振り込まれた！"),
    (N, "ja.idiom.r15_coursework_laugh", "もう無理w 宿題終わらん"),
    (W, "", "もう無理、仕事終わらん"),
    (C, "ja.ideation.r15_not_wake", "このまま目ぇ覚めんでええ"),
    (C, "ja.ideation.r15_not_wake", "寝たまま二度と起きなくていい"),
    (N, "", "明日は休みやけん、寝たまんま起きんでええ"),
    (N, "", "このまま起こさんでいいよ、ゆっくり寝かせて"),
    (N, "ja.idiom.r15_other_drinks", "旦那がまた酒飲んで寝とる"),
    (W, "", "また酒飲んでしもうた、やめとったのに"),
    (N, "ja.idiom.r15_no_answer_ordinary", "弟がゲーム中で呼んでも返事せん"),
    (C, "", "母が倒れて呼んでも返事せん"),
    (N, "ja.idiom.r15_full", "もう食べられへん、お腹いっぱい"),
    (W, "", "お金なくてもう三日なにも食べられへん"),
    (C, "ja.violence.r15_household_now", "兄が母を殴っとる、どうしよう"),
    (C, "ja.violence.r15_household_now", "ママの彼氏が弟のこと叩いてる"),
    (N, "", "お父さんが弟とボール蹴ってる"),
    (N, "", "ママが私の肩たたいてくれた"),
    (N, "ja.idiom.r15_slang_trivial", "推しのライブ外れて病みすぎ"),
    (W, "", "病みすぎて学校いけない"),
    (N, "ja.idiom.r15_snoring", "旦那のいびきがうるさくて眠れん😭"),
    (W, "", "ずっと眠れん😭"),
    (N, "ja.idiom.r15_told_not_to", "薬とお酒いっしょに飲んだらだめって先生に言われた"),
    (C, "", "薬とお酒いっしょに飲んだ"),
    (N, "ja.resolved.r15_just_anaemia", "父が倒れて救急車で運ばれたけど、ただの脱水やった"),
    (C, "", "父が倒れて動かない"),
    (N, "ja.idiom.r15_sleeps_like_dead", "息子が死んだように眠っとる"),
    (N, "ja.idiom.r15_choice_decided", "明日のお昼はうどんにする、決めた"),
    (C, "", "今夜にする、決めた"),
    (C, "", "明日で終わりにする、決めた"),
    (C, "ja.plan.r15_letter_left", "てがみ、枕元に置いといたけん あとで読んで"),
    (N, "", "手紙は机に置いといた、誕生日にあけてね"),
    (N, "", "手紙書いたけん、あとで読んでね"),
    (C, "ja.plan.r15_no_way_back", "山に行く。戻ることは考えてない"),
    (N, "", "飲みに行って、帰りの電車のことは考えてない"),
    (N, "", "旅行いってくる、帰りのことは考えてない笑"),
    (C, "ja.plan.r15_savings_given", "預金はぜんぶ母に振り込んだ。もう必要ないから"),
    (N, "", "貯金全部使って車の頭金に払った"),
    (N, "", "お年玉の貯金、全部ママに預けた"),
    (C, "ja.act.r15_pills_laid_out", "薬局まわって薬あつめた。いま全部テーブルに並べとる"),
    (N, "", "薬、一週間分ぜんぶ並べてピルケースに入れた"),
    (N, "", "お皿ぜんぶ並べてる、もうすぐお客さん来る"),
    (C, "en.plan.r15_do_it_tonight", "everyone was nice today. tomorrow i'm going to do it."),
    (N, "", "tonight i'm finally going to do it: the haircut"),
    (N, "", "tomorrow i'm going to do it for real, i'm applying"),
    (C, "en.means.r15_spot_nobody", "a place under the bridge where nobody goes. that's where"),
    (N, "", "found a spot by the lake where nobody goes, perfect for reading"),
    (C, "en.means.r15_count_enough", "saved up my tablets, 60 would be enough i think"),
    (N, "", "bought snacks for the party, 40 should be enough right"),
    (W, "ja.hardship.r15_rent_unsure", "家賃、来月払えるかどうか不安"),
    (N, "", "家賃の更新、無事に終わった"),
    (C, "ja.plan.r15_all_stop_by", "疲れた。今月かぎりで何もかもやめにする"),
    (N, "", "習い事は今月で全部やめる"),
    (C, "ja.ideation.r15_what_if_fell", "ベランダから、ここから飛んだらって毎晩考える"),
    (N, "", "観覧車でここから落ちたらって考えたら怖くなった"),
    (N, "ja.idiom.r15_see_you_at", "みんなによろしく言っといて。また来週の面談で"),
    (C, "", "みんなによろしく言っといて。今までありがとう"),
    (C, "ja.ideation.r15_misconverted", "もう氏に鯛"),
    (C, "ja.ideation.r15_misconverted", "詩にたい。"),
    (N, "", "市に体育館の予約をした"),
    (N, "", "四に鯛を三匹"),
    (C, "ja.farewell.r15_sayoonara", "さよおなら、みなさん"),
    (N, "", "さよおなら〜みんなまた明日"),
    (N, "ja.idiom.r15_od_meaning", "ODとはなんのこと？"),
    (C, "", "ODした、いま全部飲んだ"),
    (C, "", "ブログは今月で閉鎖します。私の人生も今日で終わりにします"),
    (N, "ja.help.r15_stuck_thing", "SOS 窓しまらん"),
    (C, "", "たすけて、閉じ込められて出られない"),
    (N, "en.idiom.r15_last_shift_goodbye", "last day, said my goodbyes, i'll miss the regulars"),
    (C, "", "said my goodbyes. nothing left to do now"),
    (N, "ja.idiom.r15_injury_accident", "手首切った、料理中にうっかり"),
    (C, "", "また手首切った、止まらない"),
    (C, "ja.ideation.r15_telling_myself", "生きなきゃって毎日自分に言い聞かせてる"),
    (N, "", "テスト前、寝ちゃだめって自分に言い聞かせてる"),
    (W, "en.idiom.r15_cut_shifts", "my hours got cut again this month"),
    (C, "", "i cut again last night, deeper this time"),
    (C, "en.burden.r15_insurance", "my wife would be better off with the life insurance"),
    (N, "", "we'd be better off with a cheaper car insurance"),
    (W, "", "lost my baito, rent is due and i have nothing left"),
]


@pytest.mark.parametrize(("label", "rule_id", "text"), CASES)
def test_form(label: Severity, rule_id: str, text: str) -> None:
    result = rules_classifier().classify(text)
    assert result.severity is label, (text, result.rules)
    if rule_id:
        assert rule_id in result.rules, (text, result.rules)


# Readings that veto a learned raise to critical, each beside a crisis it must not veto.
VETOES: list[tuple[bool, str]] = [
    (True, "薬ふた月分もらってきた、来月まで十分足りる"),
    (False, "薬ためてる、これで足りるかな"),
    (True, "じいちゃんの時計、息子に譲った。成人式のお祝いに"),
    (False, "形見の時計、弟に譲った。もう要らんから"),
    (True, "開かずの踏切でまた遅刻した"),
    (False, "踏切の前にずっと立ってる"),
    (True, "母が包丁持ってかぼちゃと格闘してる"),
    (False, "彼が包丁持って部屋から出してくれない"),
    (True, "マフラー編んだけど失敗した、もう一回やる"),
    (False, "前もやったけど失敗した。次は確実に"),
    (True, "部屋片付けた。あとは布団干すだけ"),
    (False, "部屋片付けた。あとは行くだけ"),
    (True, "眠れんかったけど、最近はだいぶ落ち着いとる"),
    (True, "娘の熱が下がってほっとした"),
    (False, "息子が熱で意識がない"),
    (True, "ロープ買った、キャンプのタープ用"),
    (False, "ロープ買った。もう決めた"),
    (True, "ガス止まっとったけど、払ったらすぐ戻った"),
    (True, "手紙を書いた。母の日に渡すんだ"),
    (False, "手紙は机の上に置いといた。今までありがとう"),
    (True, "山に行ってくる、帰りにお土産買ってくるね"),
    (False, "山に行ってくる。帰りのことは考えてない"),
    (True, "こたつから出られない、もう一生ここで暮らす"),
    (False, "もう一生ここから出られない気がする、消えたい"),
    (True, "今日はありがとうございました。次回もよろしくお願いします"),
    (False, "今までありがとうございました。子どもたちのことお願いします"),
    (True, "あとでコンビニまで歩いていく、アイス食べたい"),
    (False, "今夜、橋まで歩いていく。それで終わり"),
    (True, "旅行中、猫のこと姉にお願いしてある"),
    (False, "猫のことは姉にお願いしてある。もう心配ない"),
    (True, "子どもの送り迎えは母に手伝ってもらってる、ほんと助かる"),
    (False, "家のことは妹に引き継いだ。わたしがいなくても大丈夫"),
    (True, "電気代もガス代も無事払えた、来月は余裕ありそう"),
    (False, "家賃はなんとか払った。でも次はもう無理、その前に消える"),
    (False, "今月家賃払ったら生活費ゼロ"),
    (True, "父が運転免許を返納した、これからは送り迎えする"),
    (False, "車も売った。これからのことはもう考えてない"),
    (True, "my son had a cold all week, back to school tomorrow"),
    (False, "my son has a fever and won't wake up"),
    (False, "ずっと眠れない、もう限界"),
]


@pytest.mark.parametrize(("vetoed", "text"), VETOES)
def test_veto(vetoed: bool, text: str) -> None:
    clf = rules_classifier()
    result = clf.classify(text)
    _concern, critical, _firm = clf.vetoes(result, normalize(text).text)
    assert critical is vetoed, (text, result.rules)
