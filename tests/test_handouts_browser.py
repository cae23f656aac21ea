"""The handout and the class page in a real headless browser (Debian's chromium), loaded from file://."""

from __future__ import annotations

from pathlib import Path

from pmforge import classpage
from tests import browser
from tests.test_handouts import LDAPS, STEPS, Parsed, hostile_class, write_summary


def test_the_console_check_catches_an_error(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><p>broken</p><script>console.error("seen-by-the-test"); missing();</script>', encoding="utf-8")
    loaded = browser.load(page)
    assert [message.split(" (")[0] for message in loaded.console] == ['seen-by-the-test', 'Uncaught ReferenceError: missing is not defined']


def test_class_page_and_handout_render_without_console_errors(cli, tmp_path: Path) -> None:
    assert cli("build", "--handouts").exit_code == 0
    out = tmp_path / "out"
    write_summary(out)
    text, problems = classpage.refresh_class_page(out)
    assert problems == [] and text is not None
    (out / "index.html").write_text(text, encoding="utf-8")

    index = browser.load(out / "index.html")
    assert index.console == []
    page = Parsed(index.dom)
    assert "Rehearsal: who is stuck where" in page.text
    assert ["zoë", "✓", "✓", "✗", "–", "3. Step 2 - POST Segment Job Step 2 - POST Segment Job: went wrong"] in page.rows
    assert [row[0] for row in page.rows if len(row) == 5 and row[0] != "Participant"] == list(LDAPS)
    browser.screenshot(out / "index.html", tmp_path / "class-page.png", height=1400)

    handout = browser.load(out / "zoë" / "handout.html")
    assert handout.console == []
    page = Parsed(handout.dom)
    assert "Handout for zoë, sandbox prod." in page.text
    assert 'person.gender in ["female"]' in page.text
    for number, step in enumerate(STEPS, start=1):
        assert f"{number}. {step}" in page.text
    browser.screenshot(out / "zoë" / "handout.html", tmp_path / "handout.png", height=2400)
    assert (tmp_path / "class-page.png").stat().st_size > 10_000 and (tmp_path / "handout.png").stat().st_size > 10_000


def test_hostile_values_stay_text_in_the_browser(cli, course_dir: Path) -> None:
    hostile_class(course_dir)
    assert cli("build", "course.yaml", "--roster", "class.yaml", "--handouts", cwd=course_dir).exit_code == 0
    for name in ("index.html", "o'brien&co_[x](y)#1/handout.html"):
        loaded = browser.load(course_dir / "out" / name)
        assert loaded.console == [], name  # an injected script would run (or be refused by the page's policy) and log
        page = Parsed(loaded.dom)
        assert "script" not in page.tags and "img" not in page.tags
        assert '<script>alert(1)</script> & "Co" *x*' in page.text
