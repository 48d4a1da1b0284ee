"""Reading a resources CSV: every bad line named with what is wrong, or every row."""

from __future__ import annotations

import pytest

from domain.ties import ResourceKind
from infra.i18n import Catalog
from usecases.resources import ResourceImportError, RowProblem, kind_from_text, read_resources_csv

GOOD = """name,kind,area,contact,hours,url
フードバンク東,food,東区,03-0000-0000,月〜金 10-16,https://example.org/food
"若者の居場所, カフェ",place,,,水 13-17,
法テラス,legal,,0570-078374,,
"""


def test_a_good_file_gives_every_row() -> None:
    rows = read_resources_csv("\ufeff" + GOOD)  # a spreadsheet's byte-order mark is fine
    assert [(r.name, r.kind) for r in rows] == [
        ("フードバンク東", ResourceKind.FOOD),
        ("若者の居場所, カフェ", ResourceKind.PLACE),
        ("法テラス", ResourceKind.LEGAL),
    ]
    assert rows[0].hours == "月〜金 10-16"
    assert rows[1].area is None and rows[1].active


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "name,kind\nフードバンク,food\n,place\nカフェ,shop\n法テラス,legal\n",
            [(3, "name is empty"), (4, "kind 'shop' is not one of")],
        ),
        ("name,kind,active\nA,food,yes\nB,food,maybe\n", [(3, "active must be true or false")]),
        ("name,kind\nA,food,extra\n", [(2, "more values than columns")]),
        ("name,area\nA,east\n", [(1, "missing column kind")]),
        ("name,kind,phone\nA,food,1\n", [(1, "unknown column 'phone'")]),
        ("name,kind\n", [(1, "no rows after the header")]),
        ('name,kind,notes\nA,food,"two\nlines"\nB,nope,\n', [(4, "kind 'nope'")]),
    ],
)
def test_bad_lines_are_named_and_nothing_is_returned(
    text: str, problems: list[tuple[int, str]]
) -> None:
    with pytest.raises(ResourceImportError) as caught:
        read_resources_csv(text)
    found = caught.value.problems
    assert [p.line for p in found] == [line for line, _ in problems]
    for problem, (_, words) in zip(found, problems, strict=True):
        assert words in problem.problem
    assert str(caught.value).startswith("nothing imported: line ")


def test_a_problem_says_its_line() -> None:
    error = ResourceImportError([RowProblem(3, "name is empty")])
    assert str(error) == "nothing imported: line 3: name is empty"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("food", ResourceKind.FOOD),
        ("FOOD", ResourceKind.FOOD),
        ("居場所", ResourceKind.PLACE),
        ("a place to be", ResourceKind.PLACE),
        ("公的な相談窓口", ResourceKind.PUBLIC),
        ("shop", None),
    ],
)
def test_a_kind_is_typed_as_its_token_or_its_word(typed: str, kind: ResourceKind | None) -> None:
    assert kind_from_text(Catalog("ja"), typed) is kind
