from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcat import yamlio
from llmcat.problems import Problem

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(params=LOADERS, ids=lambda c: c.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_Loader", request.param)


def load(text: str) -> dict[str, object]:
    doc = yamlio.load_text(text, "t.yaml")
    assert isinstance(doc, yamlio.Document), doc
    return doc.data


def problem(text: str) -> Problem:
    doc = yamlio.load_text(text, "t.yaml")
    assert isinstance(doc, Problem), doc
    return doc


@pytest.mark.usefixtures("loader")
class TestPolicy:
    def test_yaml_11_booleans_stay_text(self) -> None:
        data = load("languages: [en, no, yes, on, off, y, n, No]\nflag: true\nother: False\n")
        assert data == {"languages": ["en", "no", "yes", "on", "off", "y", "n", "No"], "flag": True, "other": False}

    def test_dates_stay_text(self) -> None:
        assert load("released: 2023-03-14\nmonth: 2023-03\n") == {"released": "2023-03-14", "month": "2023-03"}

    def test_numbers_and_nulls(self) -> None:
        assert load("a: 3\nb: 1.5\nc: ~\nd: 6.2e9\ne: 0x1F\nf: '7'\n") == {
            "a": 3,
            "b": 1.5,
            "c": None,
            "d": "6.2e9",
            "e": "0x1F",
            "f": "7",
        }

    def test_duplicate_key_is_reported_with_both_lines(self) -> None:
        found = problem("a: 1\nb: 2\na: 3\n")
        assert (found.line, found.code) == (3, "duplicate-key")
        assert "first at line 1" in found.message

    @pytest.mark.parametrize(
        "text",
        ["a: !!python/object/apply:os.system ['true']\n", "a: !!binary aGVsbG8=\n", "a: !custom x\n", "a: !!set {x}\n"],
    )
    def test_tags_are_refused(self, text: str) -> None:
        assert problem(text).code == "yaml-tag"

    def test_anchors_and_aliases_are_refused(self) -> None:
        assert problem("a: &x [1]\nb: *x\n").code == "yaml-alias"
        assert problem("base: &b {k: 1}\nother:\n  <<: *b\n").code == "yaml-alias"

    def test_a_recursive_alias_is_refused_not_followed(self) -> None:
        assert problem("a: &x [1, *x]\n").code == "yaml-alias"

    def test_an_anchor_without_an_alias_is_harmless(self) -> None:
        assert load("a: &x 1\nurl: https://x.org/?a=1&b=2*3\n") == {"a": 1, "url": "https://x.org/?a=1&b=2*3"}

    def test_explicit_core_tags_must_match_their_value(self) -> None:
        assert load("a: !!int '12'\nb: !!str 12\n") == {"a": 12, "b": "12"}
        # PyYAML's constructor raised a bare ValueError or KeyError here (a traceback for a
        # contributor's typo), and read !!bool yes as true.
        for text in ("a: !!int twelve\n", "a: !!float x\n", "a: !!bool maybe\n", "a: !!bool yes\n"):
            assert problem(text).code == "yaml-tag", text

    def test_special_floats_and_underscores(self) -> None:
        data = load("a: .inf\nb: -.Inf\nc: 1_000\nd: 1_0.5\ne: +5\n")
        assert data == {"a": float("inf"), "b": float("-inf"), "c": 1000, "d": 10.5, "e": 5}
        assert load("n: .NaN\n")["n"] != load("n: .NaN\n")["n"]  # NaN

    @pytest.mark.parametrize("text", ["1: x\n", "? [a]\n: 1\n", "? {k: v}\n: 1\n", "~: x\n"])
    def test_keys_must_be_text(self, text: str) -> None:
        assert problem(text).code == "bad-key"

    def test_deep_nesting_is_refused(self) -> None:
        assert problem("a: " + "[" * 200 + "]" * 200 + "\n").code in {"too-deep", "yaml-syntax"}

    def test_not_a_mapping(self) -> None:
        assert problem("- a\n- b\n").code == "not-a-mapping"
        assert problem("just text\n").code == "not-a-mapping"

    def test_empty_and_comment_only_files(self) -> None:
        assert problem("").code == "empty-file"
        assert problem("# only a comment\n\n").code == "empty-file"

    def test_multiple_documents_are_a_syntax_error(self) -> None:
        assert problem("a: 1\n---\nb: 2\n").code == "yaml-syntax"

    def test_locate_points_at_keys_items_and_parents(self) -> None:
        doc = yamlio.load_text("id: x\nsummary:\n  en: hi\nlanguages:\n  - en\n  - fr\n", "t.yaml")
        assert isinstance(doc, yamlio.Document)
        assert doc.locate(("id",)) == (1, 1)
        assert doc.locate(("languages", 1)) == (6, 5)
        assert doc.locate(("summary", "zh")) == (3, 3)  # missing key: its parent mapping


def test_non_utf8_bytes_name_the_position() -> None:
    found = yamlio.load_bytes(b"id: x\nname: caf\xe9\n", "t.yaml")
    assert isinstance(found, Problem)
    assert (found.line, found.column, found.code) == (2, 10, "not-utf8")


def test_oversized_bytes() -> None:
    found = yamlio.load_bytes(b"a: 1\n" + b"#" * yamlio.MAX_FILE_BYTES, "t.yaml")
    assert isinstance(found, Problem) and found.code == "file-too-large"


def test_bom_is_accepted() -> None:
    assert load("\ufeffa: 1\n") == {"a": 1}


YAMLISH = st.lists(
    st.sampled_from(
        [
            *"ab:- \n\t[]{},&*!'\"#|>?%@`~019.eE+_\ufeff\x00中",
            "!!int ",
            "!!bool ",
            "!!float ",
            "!!null ",
            "!!binary ",
            "<<: ",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(YAMLISH)
def test_any_text_gives_a_document_or_a_problem_never_an_exception(text: str) -> None:
    assert isinstance(yamlio.load_text(text, "t.yaml"), yamlio.Document | Problem)
