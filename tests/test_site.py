"""`llmcat site`: a static bilingual site, checked as files and, where Chromium is installed,
in a real headless browser (the browser tests say why when they are skipped)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from llmcat.cli.site import write_site
    from llmcat.site import build
    from llmcat.store import default_catalog_dir, open_catalog

    out = tmp_path_factory.mktemp("site") / "out"
    write_site(out, build(open_catalog(default_catalog_dir(), use_cache=False)))
    return out


def _cli_ids(run: Run, *args: str) -> list[str]:
    return sorted(hit["id"] for hit in json.loads(run("search", *args, "--json").stdout))


def test_every_entry_and_license_has_a_page_in_both_languages(site_dir: Path, run: Run) -> None:
    index = json.loads((site_dir / "data" / "index.json").read_text(encoding="utf-8"))
    assert sorted(row["id"] for row in index) == _cli_ids(run)
    for row in index:
        assert (site_dir / "entries" / f"{row['id']}.html").is_file()
        assert (site_dir / "zh" / "entries" / f"{row['id']}.html").is_file()
    assert (site_dir / "licenses" / "apache-2.0.html").is_file() and (
        site_dir / "zh" / "licenses" / "apache-2.0.html"
    ).is_file()


def test_pages_load_nothing_from_elsewhere(site_dir: Path) -> None:
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            assert not re.search(r"(src|href)=\"(https?:)?//", tag), (page, tag)


def test_the_index_answers_like_search_for_chinese_and_commercial(site_dir: Path, run: Run) -> None:
    index = json.loads((site_dir / "data" / "index.json").read_text(encoding="utf-8"))
    picked = sorted(
        r["id"] for r in index if "zh" in r["language_prefixes"] and r["effective"] in ("yes", "conditional")
    )
    assert picked == _cli_ids(run, "--lang", "zh", "--commercial")


def test_catalog_text_is_escaped_in_pages(run: Run, mini_catalog: Callable[[str | None], Path], tmp_path: Path) -> None:
    root = mini_catalog(None)
    path = root / "models" / "base-7b.yaml"
    evil = '<img src=x onerror="alert(1)"></script>'
    path.write_text(
        path.read_text(encoding="utf-8").replace("A base model used by the golden tests.", json.dumps(evil)), "utf-8"
    )
    result = run("site", str(tmp_path / "out"), "--catalog", str(root))
    assert result.exit_code == 0, result
    for page in [tmp_path / "out" / "entries" / "base-7b.html", tmp_path / "out" / "index.html"]:
        html = page.read_text(encoding="utf-8")
        assert "<img src=x" not in html and '</script>"' not in html, page


def test_an_earlier_site_is_replaced_and_any_other_folder_refused(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("site", str(out)).exit_code == 0
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert run("site", str(out)).exit_code == 0 and not (out / "stale.html").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("site", str(other))
    assert result.exit_code == 1 and "not empty" in result.stderr, result
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".llmcat-site")] == []


# --- in a real browser --------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = os.environ.get("LLMCAT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (a test extra) is not installed")
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _open(browser: Any, url: str, *, javascript: bool = True) -> tuple[Any, list[str]]:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def _visible_ids(page: Any) -> list[str]:
    return sorted(page.eval_on_selector_all("#entries tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)"))


def test_browser_chinese_and_commercial_show_what_search_shows(browser: Any, site_dir: Path, run: Run) -> None:
    page, errors = _open(browser, (site_dir / "index.html").as_uri())
    page.select_option("select[name=lang]", "zh")
    page.select_option("select[name=commercial]", "commercial")
    assert _visible_ids(page) == _cli_ids(run, "--lang", "zh", "--commercial")
    page.select_option("select[name=kind]", "model")
    assert _visible_ids(page) == _cli_ids(run, "--lang", "zh", "--commercial", "--kind", "model")
    assert not errors


def test_browser_filters_survive_as_a_link(browser: Any, site_dir: Path, run: Run) -> None:
    page, errors = _open(browser, (site_dir / "index.html").as_uri() + "?lang=zh&commercial=yes")
    assert _visible_ids(page) == _cli_ids(run, "--lang", "zh", "--no-conditions")
    assert not errors


def test_browser_chatglm_page_shows_license_history_and_memory(browser: Any, site_dir: Path) -> None:
    page, errors = _open(browser, (site_dir / "entries" / "chatglm-6b.html").as_uri())
    history = page.inner_text("table.history")
    assert "2023-03-14" in history and "2023-07-08" in history
    memory = page.inner_text("table.memory")
    assert "inference" in memory and "int4" in memory
    assert not errors


def test_browser_language_switch_changes_the_text(browser: Any, site_dir: Path) -> None:
    page, errors = _open(browser, (site_dir / "entries" / "chatglm-6b.html").as_uri())
    english = page.inner_text("main h2")
    page.click("a.lang-switch")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert page.inner_text("main h2") != english and "要点" in page.inner_text("main")
    page.click("a.lang-switch")
    assert page.get_attribute("html", "lang") == "en"
    assert not errors


def test_browser_pages_read_without_javascript(browser: Any, site_dir: Path, run: Run) -> None:
    page, _ = _open(browser, (site_dir / "index.html").as_uri(), javascript=False)
    assert _visible_ids(page) == _cli_ids(run)
    page, _ = _open(browser, (site_dir / "entries" / "chatglm-6b.html").as_uri(), javascript=False)
    assert "ChatGLM-6B" in page.inner_text("h1") and "chatglm-6b-license" in page.inner_text("main")


def test_browser_keyboard_reaches_the_filters(browser: Any, site_dir: Path) -> None:
    page, _ = _open(browser, (site_dir / "index.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    labels = page.eval_on_selector_all("#filters input, #filters select", "els => els.map(e => e.labels.length)")
    assert labels and all(n == 1 for n in labels)


def test_browser_fits_my_gpu_answers_like_fit(browser: Any, site_dir: Path, run: Run) -> None:
    page, errors = _open(browser, (site_dir / "index.html").as_uri())
    for vram, mode in [("24", "qlora"), ("8", "inference")]:
        page.fill("input[name=vram]", vram)
        page.select_option("select[name=mode]", mode)
        fitted = sorted(hit["id"] for hit in json.loads(run("fit", "--vram", vram, "--mode", mode, "--json").stdout))
        assert _visible_ids(page) == fitted, (vram, mode)
    assert not errors
