"""`tsunagari signals eval FILE.tsv`: options, exit codes and one-line errors through `main()`.

The thresholds used here hold (or cannot hold) whatever the rules answer, so these tests check
the command, not the classifier.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

pytestmark = pytest.mark.usefixtures("tmp_cwd")

LABELLED = (
    "# label\talso-accepted\ttext\tcategory\n"
    "critical\t-\tmessage one\tpassive_wish\n"
    "concern\tcritical\tmessage two\thardship_money\n"
    "none\tconcern\tmessage three\teveryday\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["signals", "eval", *argv], env={})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.tsv"
    path.write_text(LABELLED, encoding="utf-8")
    return path


def test_the_report_has_the_figures_and_exit_0(
    capsys: pytest.CaptureFixture[str], labelled: Path
) -> None:
    code, out, err = run(capsys, str(labelled), "--by-category", "--misses")
    assert (code, err) == (0, "")
    assert out.startswith("messages: 3 (critical 1, concern 1, none 1)\n")
    for part in (
        "critical answered critical (or accepted)",
        "critical answered none",
        "concern escalated",
        "false critical on everyday talk",
        "false concern on everyday talk",
        "label        recall  precision",
        "confusion matrix",
        "by category",
        "hardship_money",
        "misses (",
    ):
        assert part in out


def test_json_output_for_scripts(capsys: pytest.CaptureFixture[str], labelled: Path) -> None:
    code, out, _ = run(capsys, str(labelled), "--json", "--by-category", "--min-critical", "0")
    data = json.loads(out)
    assert code == 0
    assert data["counts"] == {"critical": 1, "concern": 1, "none": 1}
    assert set(data["metrics"]) == {
        "critical_answered_critical",
        "critical_answered_none",
        "concern_escalated",
        "false_critical_on_everyday",
        "false_concern_on_everyday",
    }
    assert sum(data["confusion"]["critical"].values()) == 1
    assert [c["category"] for c in data["categories"]] == [
        "everyday",
        "hardship_money",
        "passive_wish",
    ]
    assert data["thresholds"][0]["met"] is True
    assert "misses" not in data


def test_a_threshold_not_met_exits_1_and_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "only_everyday.tsv"
    path.write_text("none\t-\tgood morning\n", encoding="utf-8")
    code, out, err = run(
        capsys, str(path), "--min-critical", "97%", "--max-false-critical", "1.0"
    )
    assert code == 1
    assert err == (
        "tsunagari: threshold not met: critical answered critical (or accepted): "
        "no messages to measure, wanted at least 0.970\n"
    )
    assert "FAIL  critical answered critical" in out
    assert "met   false critical on everyday talk" in out


def test_every_threshold_option_is_understood(
    capsys: pytest.CaptureFixture[str], labelled: Path
) -> None:
    code, out, _ = run(
        capsys,
        str(labelled),
        "--min-critical",
        "0",
        "--min-concern",
        "0%",
        "--max-false-critical",
        "1",
        "--max-false-concern",
        "100%",
        "--max-critical-none",
        "1.0",
    )
    assert code == 0
    assert out.count("met   ") == 5


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "high", "120%"])
def test_a_rate_out_of_range_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], labelled: Path, bad: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["signals", "eval", str(labelled), "--min-critical", bad], env={})
    assert info.value.code == 2
    assert "expected a rate such as 0.97 or 97%" in capsys.readouterr().err


def test_a_malformed_line_is_one_line_naming_it_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "broken.tsv"
    path.write_text("none\t-\tfine\n\nsevere\t-\tmessage\n", encoding="utf-8")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"tsunagari: error: {path}:3: label 'severe' is not one of critical, concern, none\n"
    )


def test_a_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path / "nowhere.tsv"))
    assert (code, out) == (2, "")
    assert err.startswith("tsunagari: error: ") and "nowhere.tsv" in err
    assert err.count("\n") == 1


def test_a_missing_rules_file_is_exit_2_not_a_threshold_failure(
    capsys: pytest.CaptureFixture[str], labelled: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, str(labelled), "--rules", str(tmp_path / "absent.toml"))
    assert (code, out) == (2, "")
    assert err.startswith("tsunagari: error: ") and err.count("\n") == 1


def test_a_bad_config_is_exit_2(capsys: pytest.CaptureFixture[str], labelled: Path) -> None:
    Path("config.toml").write_text('[signals]\nunknown_key = "x"\n', encoding="utf-8")
    code, out, err = run(capsys, str(labelled))
    assert (code, out) == (2, "")
    assert "unknown_key" in err and err.count("\n") == 1


def test_the_organisation_s_rules_from_the_config_are_used(
    capsys: pytest.CaptureFixture[str], labelled: Path
) -> None:
    # The config names a rules file that is not there: proof the command reads the config's
    # signals section, as the bot does, instead of silently scoring the packaged rules.
    Path("config.toml").write_text('[signals]\nextra_rules = "org_rules.toml"\n', encoding="utf-8")
    code, out, err = run(capsys, str(labelled))
    assert (code, out) == (2, "")
    assert "org_rules.toml" in err and err.count("\n") == 1
