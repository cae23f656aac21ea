"""pmforge build --handouts: handouts, zips and the class page, through the CLI and the public functions."""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from pmforge import building, classpage, handouts
from pmforge.lessons import md_block, md_code, md_text
from pmforge.packaging import zip_bytes

STEM = "_Adobe Experience Platform Enablement"
LDAPS = ("vangeluw", "jane.doe@example.com", "zoë")
STEPS = ["Get Access Token", "Step 1 - Profile: Create A Segment Definition", "Step 2 - POST Segment Job", "Step 3 - GET Segment Job status"]


BLOCKS = {"p", "li", "td", "th", "tr", "h1", "h2", "h3", "dt", "dd", "pre", "br", "section", "header", "title", "ol", "ul", "table"}


class Parsed(HTMLParser):
    """The text of a page (without its style), its tags and its links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: set[str] = set()
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self._skip = False
        self._cell: list[str] | None = None
        self.feed(html)
        self.text = " ".join("".join(self.parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in BLOCKS:
            self.parts.append(" ")
        self._skip = tag == "style"
        if tag == "a":
            self.links += [value for name, value in attrs if name == "href" and value]
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        self._skip = False if tag == "style" else self._skip
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def broken_links(page: Path) -> list[str]:
    """Links of ``page`` that are not relative or do not resolve to a file or folder beside it."""
    html = page.read_text(encoding="utf-8")
    broken = []
    for link in Parsed(html).links:
        if link.startswith("#"):
            if f'id="{link[1:]}"' not in html:
                broken.append(link)
        elif "://" in link or link.startswith("/") or not (page.parent / unquote(link)).exists():
            broken.append(link)
    return broken


@pytest.fixture
def built(cli, tmp_path: Path) -> Path:
    result = cli("build", "--handouts")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "wrote 17 files for 3 participants to out\n")
    return tmp_path / "out"


def test_handouts_zips_and_class_page_are_written(built: Path) -> None:
    expected = [".pmforge", "class.json", "index.html"]
    for ldap in LDAPS:
        expected += [f"{ldap}.zip", f"{ldap}/{STEM}.postman_collection.json", f"{ldap}/{STEM}.postman_environment.json", f"{ldap}/handout.html", f"{ldap}/handout.md"]
    assert files_under(built) == sorted(expected)


def test_without_the_flag_no_handouts(cli, tmp_path: Path) -> None:
    assert cli("build").exit_code == 0
    assert not any(name.endswith((".html", ".md", ".zip")) for name in files_under(tmp_path / "out"))


def test_handout_says_who_what_and_how(built: Path) -> None:
    page = Parsed((built / "zoë" / "handout.html").read_text(encoding="utf-8"))
    assert "Handout for zoë, sandbox prod." in page.text
    assert ["name in “Step 1 - Profile: Create A Segment Definition”", "zoë - API - All Female Customer"] in page.rows
    assert ["SANDBOX_NAME", "prod"] in page.rows
    assert ["API_KEY", "Client ID of your project in the Adobe Developer Console (developer.adobe.com/console), on its OAuth Server-to-Server credential."] in page.rows
    assert ["CLIENT_SECRET", "Client secret of the same credential (Retrieve client secret). Keep it in your Postman environment only."] in page.rows
    assert ["IMS_ORG", "Organization ID of the same credential; it ends in @AdobeOrg."] in page.rows
    assert f"select both files: {STEM}.postman_collection.json and {STEM}.postman_environment.json." in page.text
    assert "Postman git workspace" not in page.text
    headings = [f"{number}. {name}" for number, name in enumerate(STEPS, start=1)]
    positions = [page.text.index(heading) for heading in headings]
    assert positions == sorted(positions)
    # The PQL as the course writes it, as text; what each step keeps and what success looks like.
    assert 'Segment expression (PQL), as the course writes it person.gender in ["female"]' in page.text
    assert "What it keeps SEGMENT_ID from the response's id" in page.text
    assert "until status is SUCCEEDED; FAILED or CANCELLED means it failed." in page.text
    assert "TECHNICAL_ACCOUNT_ID" not in page.text
    assert broken_links(built / "zoë" / "handout.html") == []


def test_markdown_handout_has_the_same_outline(built: Path) -> None:
    text = (built / "vangeluw" / "handout.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# \\_Adobe Experience Platform Enablement", "## Who this is for", "## Filled in for you", "## What you fill in",
        "## Import into Postman", "### Postman app (Collection v2.1 files)", "## Your environment", "## Steps",
        "### 1. Get Access Token · 0. Authentication", "### 2. Step 1 - Profile: Create A Segment Definition · 2. Segmentation",
        "### 3. Step 2 - POST Segment Job · 2. Segmentation", "### 4. Step 3 - GET Segment Job status · 2. Segmentation",
    ]
    assert '```\nperson.gender in ["female"]\n```' in text
    assert "- `CLIENT_SECRET`: Client secret of the same credential (Retrieve client secret). Keep it in your Postman environment only." in text
    assert "| `ldap` | filled in by pmforge | `vangeluw` |" in text


def test_a_secret_from_the_roster_is_never_shown(cli, tmp_path: Path) -> None:
    (tmp_path / "class.csv").write_text("ldap,sandbox,CLIENT_SECRET,API_KEY,MY_TOKEN\nann,dev,s3cr3t-value,client-id-1,tok-value\n", encoding="utf-8")
    result = cli("build", "--handouts", "--roster", "class.csv")
    assert result.exit_code == 0, result.stdout
    environment = (tmp_path / "out" / "ann" / f"{STEM}.postman_environment.json").read_text(encoding="utf-8")
    assert "s3cr3t-value" in environment and "tok-value" in environment  # the environment needs them
    for name in ("ann/handout.html", "ann/handout.md", "index.html", "class.json"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "s3cr3t-value" not in text and "tok-value" not in text, name
    page = Parsed((tmp_path / "out" / "ann" / "handout.html").read_text(encoding="utf-8"))
    assert ["CLIENT_SECRET", "from the class roster (secret, not shown)", ""] in page.rows
    assert ["MY_TOKEN", "from the class roster (secret, not shown)", ""] in page.rows
    assert ["API_KEY", "from the class roster", "client-id-1"] in page.rows
    # Given by the roster, so nothing left to fill in but the organization.
    assert [row[0] for row in page.rows[page.rows.index(["Variable", "Where it comes from"]) + 1:][:1]] == ["IMS_ORG"]


HOSTILE_VALUE = '<script>alert("v")</script> & "quoted" \'single\' **bold** [link](javascript:x) `tick` | pipe'


def hostile_class(course_dir: Path) -> None:
    course = (course_dir / "course.yaml").read_text(encoding="utf-8")
    course = course.replace("collection: Test Course", "collection: '<script>alert(1)</script> & \"Co\" *x*'")
    course = course.replace("- name: Create", "- name: 'Create <img src=x onerror=alert(2)> & [a](b)'")
    course = course.replace(
        "            value: '{\"nodeType\":\"literal\",\"literalType\":\"Boolean\",\"value\":true}'",
        "            pql: 'person.name.firstName = \"<b>&amp;</b> `x`\"'",
    )
    course = course.replace("  API_KEY: \"\"", "  API_KEY: {value: \"\", description: '" + HOSTILE_VALUE.replace("'", "''") + "'}")
    (course_dir / "course.yaml").write_text(course, encoding="utf-8")
    roster = [{"ldap": "o'brien&co_[x](y)#1", "sandbox": "dev", "IMS_ORG": HOSTILE_VALUE}]
    (course_dir / "class.yaml").write_text(json.dumps(roster), encoding="utf-8")


def test_everything_from_a_roster_or_course_is_escaped(cli, course_dir: Path) -> None:
    hostile_class(course_dir)
    result = cli("build", "course.yaml", "--roster", "class.yaml", "--handouts", cwd=course_dir)
    assert result.exit_code == 0, result.stdout
    out = course_dir / "out"
    ldap = "o'brien&co_[x](y)#1"
    for name in (f"{ldap}/handout.html", "index.html"):
        html = (out / name).read_text(encoding="utf-8")
        page = Parsed(html)
        assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags, name
        assert '<script>alert(1)</script> & "Co" *x*' in page.text
        assert "Create <img src=x onerror=alert(2)> & [a](b)" in page.text
        assert 'person.name.firstName = "<b>&amp;</b> `x`"' in page.text
        assert ldap in page.text
        assert broken_links(out / name) == [], name
    handout = Parsed((out / ldap / "handout.html").read_text(encoding="utf-8"))
    assert ["IMS_ORG", "from the class roster", HOSTILE_VALUE] in handout.rows
    assert ["API_KEY", HOSTILE_VALUE] in handout.rows
    markdown = (out / ldap / "handout.md").read_text(encoding="utf-8")
    assert markdown.startswith("# \\<script\\>alert(1)\\</script\\> \\& \"Co\" \\*x\\*\n")
    assert "Handout for **o'brien\\&co\\_\\[x\\](y)\\#1**, sandbox `dev`." in markdown
    assert "- `API_KEY`: \\<script\\>alert(\"v\")\\</script\\> \\& \"quoted\" 'single' \\*\\*bold\\*\\* \\[link\\](javascript:x) \\`tick\\` \\| pipe\n" in markdown
    assert "| `IMS_ORG` | from the class roster | ``<script>alert(\"v\")</script> & \"quoted\" 'single' **bold** [link](javascript:x) `tick` \\| pipe`` |" in markdown
    assert "```\nperson.name.firstName = \"<b>&amp;</b> `x`\"\n```" in markdown
    assert "<script" not in markdown.replace("``<script>", "").replace("\\<script", "")


def test_markdown_filters() -> None:
    assert md_text("a*b_c [x](y) <i>&amp; | ~ # ! \\ `x`\nnext") == "a\\*b\\_c \\[x\\](y) \\<i\\>\\&amp; \\| \\~ \\# \\! \\\\ \\`x\\` next"
    assert (md_code("plain"), md_code("a``b"), md_code("`x")) == ("`plain`", "```a``b```", "`` `x ``")
    assert md_block("x\n```\ny") == "````\nx\n```\ny\n````"


def test_zips_hold_one_participant_each_and_are_byte_identical(cli, tmp_path: Path) -> None:
    assert cli("build", "--handouts", "--out", "a").exit_code == 0
    assert cli("build", "--handouts", "--out", "b").exit_code == 0
    for ldap in LDAPS:
        first, second = (tmp_path / "a" / f"{ldap}.zip").read_bytes(), (tmp_path / "b" / f"{ldap}.zip").read_bytes()
        assert first == second
        with zipfile.ZipFile(io.BytesIO(first)) as archive:
            names = archive.namelist()
            assert names == sorted(names)
            assert names == [f"{ldap}/", f"{ldap}/{STEM}.postman_collection.json", f"{ldap}/{STEM}.postman_environment.json", f"{ldap}/handout.html", f"{ldap}/handout.md"]
            for info in archive.infolist():
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
                assert info.external_attr >> 16 == (0o40755 if info.is_dir() else 0o100644)
                if not info.is_dir():
                    assert archive.read(info) == (tmp_path / "a" / info.filename).read_bytes()
    for name in files_under(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_zip_bytes_do_not_depend_on_order() -> None:
    assert zip_bytes({"p/b": "2", "p/a": b"1"}) == zip_bytes({"p/a": "1", "p/b": b"2"})
    assert zip_bytes({"p/a": "1"}) != zip_bytes({"p/a": "2"})


def test_class_page_links_everyone_and_lists_the_steps_once(built: Path) -> None:
    page = Parsed((built / "index.html").read_text(encoding="utf-8"))
    assert broken_links(built / "index.html") == []
    for ldap in LDAPS:
        for target in (f"{ldap}/handout.html", f"{ldap}/handout.md", f"{ldap}.zip", f"{ldap}/{STEM}.postman_collection.json", f"{ldap}/{STEM}.postman_environment.json"):
            assert target in [unquote(link) for link in page.links], target
    assert ["jane.doe@example.com", "jane-sandbox", "HTML · Markdown", "jane.doe@example.com.zip", "collection · environment"] in page.rows
    for step in STEPS:
        assert page.text.count(step) == 1, step
    assert "Rehearsal" not in page.text


def write_summary(out: Path) -> None:
    def entry(ldap: str, states: list[str]) -> dict:
        failed = [f"{step}: went wrong" for step, state in zip(STEPS, states) if state == "failed"]
        return {"ldap": ldap, "sandbox": "prod", "ok": not failed, "requests": 5, "polls": 1, "time_s": 1.5,
                "assertions": {"passed": 10, "failed": len(failed)}, "steps": dict(zip(STEPS, states)), "failures": failed}

    summary = {
        "collection": STEM, "steps": STEPS,
        "participants": [entry("vangeluw", ["passed"] * 4), entry("zoë", ["passed", "passed", "failed", "not run"])],
        "summary": {"participants": 2, "passed": 1, "failed": 1, "time_s": 1.6, "mock": {"requests": 9, "median_ms": 0.2, "p99_ms": 6.3}},
    }
    (out / "rehearsal").mkdir()
    (out / "rehearsal" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    for participant in summary["participants"]:
        (out / "rehearsal" / f"{participant['ldap']}.json").write_text(json.dumps(participant), encoding="utf-8")


def test_class_page_shows_who_is_stuck_where(built: Path) -> None:
    write_summary(built)
    text, problems = classpage.refresh_class_page(built)
    assert problems == [] and text is not None
    (built / "index.html").write_text(text, encoding="utf-8")
    assert broken_links(built / "index.html") == []
    page = Parsed(text)
    assert "2 participants: 1 passed, 1 failed in 1.6 s. Stuck at 3. Step 2 - POST Segment Job: 1 — zoë ✓ passed" in page.text
    assert ["Participant", "1", "2", "3", "4", "Stuck at"] in page.rows
    assert ["vangeluw", "✓", "✓", "✓", "✓", "—"] in page.rows
    assert ["zoë", "✓", "✓", "✗", "–", "3. Step 2 - POST Segment Job Step 2 - POST Segment Job: went wrong"] in page.rows
    assert ["jane.doe@example.com", "· not rehearsed", "—"] in page.rows
    assert ["Failed", "0", "0", "1", "0", ""] in page.rows
    assert [link for link in page.links if link.startswith("rehearsal/")] == ["rehearsal/vangeluw.json", "rehearsal/zo%C3%AB.json"]


def test_refresh_reports_what_it_cannot_read(built: Path, tmp_path: Path) -> None:
    (built / "rehearsal").mkdir()
    (built / "rehearsal" / "summary.json").write_text("{not json", encoding="utf-8")
    text, problems = classpage.refresh_class_page(built)
    assert text is None and [(problem.file, problem.rule) for problem in problems] == [(str(built / "rehearsal" / "summary.json"), "output")]
    text, problems = classpage.refresh_class_page(tmp_path / "nothing")
    assert text is None and [problem.message for problem in problems] == ["no class page to draw: build with --handouts first"]


def test_import_section_follows_the_formats_built(built: Path) -> None:
    checked, _ = building.plan(None, None)
    assert checked is not None
    participant = checked.roster.participants[0]
    written = [f"vangeluw/{STEM}.postman_collection.json", f"vangeluw/{STEM}.postman_environment.json", "vangeluw/postman/collections/x.yaml", "vangeluw/postman/environments/y.yaml"]
    assert handouts.import_options(["postman/collections/x.yaml", f"{STEM}.postman_collection.json"], ["v3"]) == [
        {"format": "v3", "folders": [{"name": "postman/", "href": "postman/"}]},
    ]
    for formats, app, git in ((["v2.1"], True, False), (["v2.1", "v3"], True, True), (["v3"], False, True)):
        book = handouts.Handouts(checked.course, formats=formats)
        pages = book.add(participant, checked.renderer.environment_values(participant), written)
        text = Parsed(pages["vangeluw/handout.html"]).text
        assert ("Postman app (Collection v2.1 files)" in text) is app
        assert ("Postman git workspace (Collection v3 folder)" in text) is git
        if git:
            assert "Put the folder postman/ into the repository your Postman workspace is connected to." in text
            assert "### Postman git workspace (Collection v3 folder)\n\n1. Put the folder [postman/](<postman/>) into" in pages["vangeluw/handout.md"]
    with pytest.raises(ValueError, match="unknown collection format 'v4'"):
        handouts.import_options([], ["v4"])


def test_an_ldap_cannot_take_the_name_of_a_page_or_a_zip(cli, tmp_path: Path) -> None:
    (tmp_path / "class.csv").write_text("ldap\nann\nann.zip\nindex.html\n", encoding="utf-8")
    result = cli("build", "--handouts", "--roster", "class.csv")
    assert (result.exit_code, result.stdout) == (1,
        "class.csv:3:1: error: ldap 'ann.zip' would take the name of the zip of 'ann' next to the handouts [unsafe-value]\n"
        "class.csv:4:1: error: ldap 'index.html' would take the name of the class page next to the handouts [unsafe-value]\n")
    assert not (tmp_path / "out").exists()
    assert cli("build", "--roster", "class.csv").exit_code == 0  # without handouts there is nothing to clash with


def test_a_large_class_names_the_first_twenty_stuck_at_each_step() -> None:
    ldaps = [f"p{index:02d}" for index in range(25)]
    manifest = {
        "course": "C", "formats": ["v2.1"], "steps": [{"number": 1, "name": "A", "folder": "", "method": "GET", "url": "u", "does": "d", "pql": None, "body_kind": None, "keeps": [], "success": []}],
        "participants": [{"ldap": ldap, "sandbox": "prod", "handout": {"html": f"{ldap}/handout.html", "md": f"{ldap}/handout.md"}, "zip": f"{ldap}.zip", "files": []} for ldap in ldaps],
    }
    summary = {"steps": ["A"], "participants": [{"ldap": ldap, "steps": {"A": "failed"}} for ldap in ldaps[:23]], "summary": {}}
    page = Parsed(classpage.class_page(manifest, summary))
    assert f"Stuck at 1. A: 23 — {', '.join(ldaps[:20])} and 3 more" in page.text
    assert ["p24", "· not rehearsed", "—"] in page.rows
    assert ["Failed", "23", ""] in page.rows


def test_pages_need_no_script_and_fetch_nothing(built: Path) -> None:
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "strong", "em", "small", "code", "pre",
               "a", "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "ol", "ul", "li", "section", "span", "br"}
    for name in ("index.html", "zoë/handout.html"):
        html = (built / name).read_text(encoding="utf-8")
        assert Parsed(html).tags <= allowed, name
        assert "src=" not in html and "@import" not in html and "url(" not in html, name
        assert "@media print" in html and "default-src 'none'" in html, name
