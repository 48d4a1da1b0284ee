"""Round 2 of issue 10: unsure distress reaches a worker, traps the rules now recognise, and
the learned layer read on the classifier's own normalised view (one normalisation a message).

The sentences are written for these tests from the taxonomy; none comes from an evaluation set.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import pytest

from signals import Classifier, Severity, default_classifier
from signals.classifier import MODEL_DISTRESS_THRESHOLD, rules_classifier
from signals.learned import default_model, view_features
from signals.normalize import normalize

C, W, N = Severity.CRITICAL, Severity.CONCERN, Severity.NONE


class _Verdict:
    def __init__(self, severity: Severity, confidence: float) -> None:
        self.severity = severity
        self.confidence = confidence
        self.features = ("x",)


class _DistributionSpy:
    """A model with the shipped model's fast interface that records what it was given."""

    def __init__(self, probs: tuple[float, float, float]) -> None:
        self.probs = probs
        self.views: list[str] = []
        self.explained = 0

    def predict(self, text: str) -> _Verdict:  # the slow path; must not be used
        raise AssertionError("predict() called although distribution() exists")

    def distribution(self, view: str) -> tuple[tuple[float, float, float], Collection[str]]:
        self.views.append(view)
        return self.probs, {"消え"}

    def explain(self, matched: Collection[str], severity: Severity) -> tuple[str, ...]:
        self.explained += 1
        return tuple(sorted(matched))


def _clf(model: object) -> Classifier:
    return Classifier(rules_classifier().rules, model=model)  # type: ignore[arg-type]


def test_the_demo_apology_is_everyday_talk() -> None:
    for text in ("sorry, busy week. I'm ok", "sorry for the slow reply, busy week, all fine"):
        got = default_classifier().classify(text)
        assert got.severity is N, got.explain()


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ((0.45, 0.30, 0.25), W),  # no label reaches its threshold, distress together does
        ((0.20, 0.55, 0.25), W),
        ((0.35, 0.30, 0.35), N),  # 0.65: below the distress threshold
        ((0.85, 0.10, 0.05), C),
        ((0.10, 0.10, 0.80), N),
    ],
)
def test_unsure_distress_becomes_concern(
    probs: tuple[float, float, float], expected: Severity
) -> None:
    assert MODEL_DISTRESS_THRESHOLD == 0.7
    spy = _DistributionSpy(probs)
    got = _clf(spy).classify("なんかもうどうにでもなれって感じ")
    assert got.severity is expected, got.explain()
    assert spy.explained == (0 if expected is N else 1)  # explained only when it raises


def test_the_model_reads_the_view_the_rules_read() -> None:
    spy = _DistributionSpy((0.1, 0.1, 0.8))
    text = "ｼﾝﾄﾞｲ…もうムリかも"
    _clf(spy).classify(text)
    assert spy.views == [normalize(text).text]


def test_plain_replies_skip_the_model() -> None:
    spy = _DistributionSpy((0.9, 0.05, 0.05))
    for text in ("はい", "ありがとうございます！", "ok", "👍"):
        assert _clf(spy).classify(text).severity is N
    assert spy.views == []


def test_a_negated_wish_is_never_raised_to_critical() -> None:
    spy = _DistributionSpy((0.95, 0.03, 0.02))
    for text in ("消えたいなんて思ってないから安心して", "i don't want to die, i want to get fit"):
        got = _clf(spy).classify(text)
        assert got.severity is W, got.explain()


def test_distribution_matches_the_probabilities() -> None:
    model = default_model()
    for text in ("もう消えたい", "ガス止められた", "I took all my pills", "see you tomorrow"):
        probs, matched = model.distribution(normalize(text).text)
        assert all(
            math.isclose(a, b, abs_tol=1e-9)
            for a, b in zip(probs, model.probabilities(text), strict=True)
        )
        # Evidence is only the readable features the message really has.
        assert matched and set(matched) <= view_features(normalize(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "助けて、部屋にゴキブリ出た",
        "だれかたすけて、エアコン壊れた",
        "助けて！トイレつまった",
        "誰かきてー、Gでた",
        "誰か止めて、買い物が止まらない笑",
        "help, there's a bat in the kitchen",
        "someone come kill this spider lol",
        "SOS my phone is dying",
        "help the washing machine flooded",
        "omg help the cake collapsed",
        "stop me, i'm eating the whole cake",
    ],
)
def test_help_about_a_trivial_object_is_none(text: str) -> None:
    got = default_classifier().classify(text)
    assert got.severity is N, got.explain()


@pytest.mark.parametrize(
    "text",
    [
        "助けて、炊飯器のスイッチが壊れた",
        "誰か助けて〜、網戸が外れた",
        "たすけて、洗面所の排水が詰まった",
        "please help, my car won't start",
        "someone help, the garage door is jammed",
        "help me!! my laptop crashed and my essay is gone",
    ],
)
def test_help_about_a_thing_that_broke_is_not_a_cry(text: str) -> None:
    # No object list names these: the message says what happened to a thing.
    got = rules_classifier().classify(text)
    assert "help" not in {h.rule_id.split(".")[1] for h in got.hits if h.status == "counted"}
    assert got.severity is not C, got.explain()


@pytest.mark.parametrize(
    "text",
    [
        "助けて、ドアが壊された、夫が怒鳴ってる",
        "誰か助けて、母が倒れて電話が繋がらない",
        "help, he broke the door and he's coming in",
        "help, the car crashed and my son is bleeding",
    ],
)
def test_a_broken_thing_beside_danger_is_still_a_cry(text: str) -> None:
    got = default_classifier().classify(text)
    assert got.severity is C, got.explain()


@pytest.mark.parametrize(
    "text",
    [
        "助けて、子どもが息してない",
        "助けて、犬に噛まれて血が止まらない",
        "誰か来て、夫が暴れてる",
        "someone help me he's hitting me",
        "help i'm bleeding a lot",
        "help my baby isn't breathing",
        "たすけて",
        "誰か来て",
    ],
)
def test_a_real_cry_for_help_stays_critical(text: str) -> None:
    got = default_classifier().classify(text)
    assert got.severity is C, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("駅で人が倒れてて、救急車来てた", {N, W}),
        ("同僚が過労で倒れたって", {N, W}),
        ("a man collapsed at the store, paramedics came", {N, W}),
        ("someone at work overdosed last year, so sad", {N, W}),
        ("父が倒れて息してない", {C}),
        ("my dad collapsed and he isn't breathing", {C}),
    ],
)
def test_a_strangers_emergency_is_not_a_crisis(text: str, expected: set[Severity]) -> None:
    got = default_classifier().classify(text)
    assert got.severity in expected, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i'll just take all the pills lol jk", {N, W}),
        ("lol i'll jump off a bridge if this meeting goes any longer", {N, W}),
        ("i took all my pills", {C}),
        ("i'm going to jump off the bridge tonight", {C}),
    ],
)
def test_english_jokes_naming_a_method(text: str, expected: set[Severity]) -> None:
    got = default_classifier().classify(text)
    assert got.severity in expected, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("滞納してた家賃、分割で払い終わった", N),
        ("ネカフェ生活終わった、部屋借りれた", N),
        ("i was evicted last year but i have my own place now", N),
        ("used to be lonely but i joined a club and made friends", N),
        ("給料払ってもらえない", W),
        ("家賃払えない、でも電気は復旧した", W),
        ("i was fired last month and still can't find work", W),
    ],
)
def test_a_need_resolved_in_the_same_sentence(text: str, expected: Severity) -> None:
    got = default_classifier().classify(text)
    assert got.severity is expected, got.explain()


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ((0.65, 0.25, 0.10), C),  # the rules say concern, the model leans to a crisis
        ((0.55, 0.28, 0.17), W),  # below the agreement threshold (and not in doubt)
        ((0.10, 0.85, 0.05), W),
    ],
)
def test_rules_concern_and_model_critical_agree_on_a_crisis(
    probs: tuple[float, float, float], expected: Severity
) -> None:
    got = _clf(_DistributionSpy(probs)).classify("眠れない")
    assert got.severity is expected, got.explain()


def test_loneliness_alone_is_not_raised_by_agreement() -> None:
    # The taxonomy keeps loneliness, unmet needs, losses and relapse at concern.
    got = _clf(_DistributionSpy((0.7, 0.2, 0.1))).classify("誰とも話してない")
    assert "isolation" in got.concepts
    assert got.severity is W, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("終活はじめました。子どもに迷惑かけたくないから", {N, W}),
        ("お墓の場所も決めたし、あとは元気に過ごすだけ", {N, W}),
        ("エンディングノートに通帳の場所書いといた", {N, W}),
        ("もういつお迎えが来てもいいように準備しとる", {N, W}),
        ("i wrote my will so my kids won't have to deal with it", {N, W}),
        ("made my funeral arrangements, one less thing for the family", {N, W}),
        # Preparation and farewell without an ordinary purpose stay critical.
        ("身辺整理した。もう思い残すことはない、さようなら", {C}),
        ("遺書を書いた。今夜決行する", {C}),
        ("もう疲れた。お迎えはよ来てほしい", {C}),
    ],
)
def test_end_of_life_planning_is_not_a_crisis(text: str, expected: set[Severity]) -> None:
    got = default_classifier().classify(text)
    assert got.severity in expected, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my stepdad is in my room again, i'm scared", C),
        ("my stepdad keeps getting into my bed at night", C),
        ("兄が毎晩布団に入ってくる、怖い", C),
        ("my brother is in my room again stealing my charger lol", N),
        ("my dad is in my room fixing the wifi", N),
    ],
)
def test_a_parent_in_the_room_at_night(text: str, expected: Severity) -> None:
    got = default_classifier().classify(text)
    assert got.severity is expected, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("姉が「もう消えたい」とか言いながら笑ってた", {N}),
        ("彼氏が冗談で「首吊るわ」って言ってた", {N}),
        ('he joked "gonna jump off the roof" when the wifi went down', {N}),
        ('my friend said "i wanna die" about her grade lol', {N}),
        ("my coworker said she'd overdose on coffee today", {N}),
        # A threat against the person, quoted, is danger now; one's own words are disclosure.
        ("he said \"i'll kill you when i get home\" and he's drunk", {C}),
        ('my husband texted "you\'re dead when i find you"', {C}),
        ("彼が「帰ったら殺す」って言ってる", {C}),
        ('i said "i want to die" to my therapist and i meant it', {C}),
        ("冗談じゃなくて、本当に死にたい", {C}),
    ],
)
def test_quotes_jokes_and_quoted_threats(text: str, expected: set[Severity]) -> None:
    got = default_classifier().classify(text)
    assert got.severity in expected, got.explain()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("練炭で焼肉した、うまかった", N),
        ("i cut my hand slicing bagels, fine now", N),
        ("went bungee jumping off a bridge!!", N),
        ("車の中で練炭たいてる", C),
        ("i cut my hand again on purpose", C),
        ("i'm going to jump off the bridge", C),
    ],
)
def test_means_words_in_ordinary_leisure(text: str, expected: Severity) -> None:
    got = default_classifier().classify(text)
    assert got.severity is expected, got.explain()


@pytest.mark.parametrize(
    "text",
    [
        "死にたいとかないよ、ただ眠いだけ",
        "消えたいなんて一度も思ったことない",
        "死ぬ気はさらさらないけん安心して",
        "死にたいとは思わへんよ",
        "死にたいわけちゃうねん、疲れとるだけ",
        "死にたいと思ったことは一度もないよ",
        "消えたいって全然思わない",
        "took the day off myself, the kids are at grandma's",
    ],
)
def test_spoken_and_dialect_negation_is_not_critical(text: str) -> None:
    got = default_classifier().classify(text)
    assert got.severity is not C, got.explain()


@pytest.mark.parametrize(
    "text",
    [
        "死にたいわけちゃう。もう生きていたくない",  # the wish in the second clause
        "死にたいとかないって言ったけど、うそ。死にたい",  # a retraction restores it
    ],
)
def test_negation_keeps_its_scope(text: str) -> None:
    assert default_classifier().classify(text).severity is C


@pytest.mark.parametrize(
    "text",
    [
        "隣の家に救急車が来てた、おじいさん倒れたらしい",
        "救急車が向かいの家に止まってた",
        "an ambulance came for the old man next door, he collapsed",
        "paramedics were upstairs all night, the lady collapsed",
    ],
)
def test_a_neighbours_emergency_is_a_look_at_most(text: str) -> None:
    assert default_classifier().classify(text).severity is not C


@pytest.mark.parametrize(
    "text",
    [
        "i collapsed and my neighbour called an ambulance",
        "母が倒れた、救急車呼んで",
    ],
)
def test_ones_own_emergency_beside_a_neighbour_stays_critical(text: str) -> None:
    assert default_classifier().classify(text).severity is C


@pytest.mark.parametrize(
    "text", ["物干し竿が落ちてこない、たすけて笑", "help lol my dog stole my sandwich"]
)
def test_a_cry_said_laughing_is_not_a_crisis(text: str) -> None:
    got = rules_classifier().classify(text)
    assert got.severity is not C, got.explain()


@pytest.mark.parametrize(
    "text", ["助けて、もう無理笑", "someone help lol he hit me", "たすけてーーー"]
)
def test_laughter_beside_danger_or_despair_keeps_the_cry(text: str) -> None:
    assert rules_classifier().classify(text).severity is C
