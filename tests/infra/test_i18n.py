"""The ja and en catalogs stay in step; languages are normalised to a catalog we have."""

from __future__ import annotations

import pytest

from infra.i18n import LANGUAGES, Catalog, load_catalog, normalise_language, placeholders


def entry_placeholders(entry: str | list[str]) -> list[set[str]]:
    variants = entry if isinstance(entry, list) else [entry]
    return [placeholders(v) for v in variants]


def test_catalogs_have_exactly_the_same_keys() -> None:
    ja, en = load_catalog("ja"), load_catalog("en")
    assert sorted(set(ja) - set(en)) == [], "keys only in ja.toml"
    assert sorted(set(en) - set(ja)) == [], "keys only in en.toml"


def test_catalogs_have_the_same_placeholders_per_key() -> None:
    ja, en = load_catalog("ja"), load_catalog("en")
    mismatched = {}
    for key in sorted(set(ja) & set(en)):
        ja_sets, en_sets = entry_placeholders(ja[key]), entry_placeholders(en[key])
        if set().union(*ja_sets) != set().union(*en_sets):
            mismatched[key] = (ja_sets, en_sets)
        elif isinstance(ja[key], list) != isinstance(en[key], list):
            mismatched[key] = ("list" if isinstance(ja[key], list) else "str", "other")
    assert mismatched == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_variants_of_one_key_share_their_placeholders(language: str) -> None:
    for key, entry in load_catalog(language).items():
        if isinstance(entry, list):
            assert entry, key
            sets = entry_placeholders(entry)
            assert all(s == sets[0] for s in sets), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_formats_with_its_placeholders(language: str) -> None:
    catalog = Catalog(language)
    for key, entry in load_catalog(language).items():
        for variant in entry if isinstance(entry, list) else [entry]:
            params = {name: "X" for name in placeholders(variant)}
            assert variant.format(**params), key
        if isinstance(entry, str):
            assert catalog.text(language, key, **{n: "X" for n in placeholders(entry)})


def test_ja_is_the_default_and_texts_differ_by_language() -> None:
    catalog = Catalog()
    assert catalog.default_language == "ja"
    assert catalog.text("ja", "stranger.intro") != catalog.text("en", "stranger.intro")
    assert catalog.text("xx", "stranger.intro") == catalog.text("ja", "stranger.intro")
    assert Catalog("en").text("xx", "stranger.intro") == catalog.text("en", "stranger.intro")


def test_a_missing_key_names_it() -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        Catalog().text("ja", "no.such.key")


@pytest.mark.parametrize(
    ("code", "default", "expected"),
    [
        ("ja", "ja", "ja"),
        ("en", "ja", "en"),
        ("en-US", "ja", "en"),
        ("en-GB", "ja", "en"),
        ("EN", "ja", "en"),
        ("ja-JP", "en", "ja"),
        ("fr", "ja", "ja"),
        ("fr", "en", "en"),
        ("zh-hans", "en", "en"),
        (None, "ja", "ja"),
        (None, "en", "en"),
        ("", "en", "en"),
        ("pt-br", "de", "ja"),  # an unknown default falls back to ja
        (None, "xx", "ja"),
    ],
)
def test_normalise_language(code: str | None, default: str, expected: str) -> None:
    assert normalise_language(code, default) == expected


def test_japanese_names_take_their_particles_without_a_space() -> None:
    """「田中さん」「つながりサポートの」, not 「田中 さん」: a space between a substituted
    word and the honorific or particle after it looks machine-made."""
    import re

    spaced = re.compile(r"\}\s+(さん|の|が|を|に|へ|と|で)")
    found = {
        key: variant
        for key, entry in load_catalog("ja").items()
        for variant in (entry if isinstance(entry, list) else [entry])
        if spaced.search(variant)
    }
    assert found == {}
