"""The course page `make present` opens on, without a browser: tools/present.py's page_config_hook
hands a folder's page the lessons in order (title and learning goal read from each notebook's
JSON here on their own), present/config/voila.py sets that hook for Voila, and the projector's
tree.html lists them as links that open each lesson in Voila, or Voila's plain list of files
when there is no course. (The page in Chromium: tests/browser/test_present.py.)"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
from siblings import load  # tools/siblings.py (tests/conftest.py puts tools/ on the path)
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
PROJECTOR = REPO / "present" / "voila" / "templates" / "projector"


def _present():
    return load("present")


present = _present()


def heading_and_goal(path: Path) -> tuple[str, str]:
    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    title = re.search(r"^#+\s+(.+)$", first, re.MULTILINE).group(1).strip()
    goal = re.search(r"\*\*Learning goal:?\*\*:?\s*(.+?)(?:\n\s*\n|\Z)", first, re.DOTALL)
    return title, " ".join(goal.group(1).split()) if goal else ""


def hook(folder: Path, path: str = "") -> tuple[dict, list[str]]:
    """Call the hook as Voila does; returns the page config and what it logged."""
    records: list[str] = []
    log = logging.getLogger("test_present_course")
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    log.addHandler(handler)
    try:
        settings = {"contents_manager": SimpleNamespace(root_dir=str(folder))}
        config = present.page_config_hook({"baseUrl": "/"}, base_url="/", settings=settings,
                                          log=log, voila_configuration=None, notebook_path=path)
    finally:
        log.removeHandler(handler)
    return config, records


def render(page_config: dict, contents: list[dict] | None = None) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PROJECTOR)),
                                     autoescape=False)
    return environment.get_template("tree-lab.html").render(
        page_config=page_config, base_url="/", include_css=None, page_title="Voilà Home",
        breadcrumbs=[("/voila/tree", "")], contents={"content": contents or []},
        theme="light", resources=None, frontend="voila", query="")


def test_the_hook_gives_a_folders_page_its_lessons_in_order() -> None:
    config, logged = hook(NOTEBOOKS)
    lessons = config["gradlabCourse"]
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [lesson["path"] for lesson in lessons] == [path.name for path in notebooks]
    assert [(lesson["title"], lesson["goal"]) for lesson in lessons] == [
        heading_and_goal(path) for path in notebooks]
    assert all(lesson["goal"] for lesson in lessons)  # every lesson says what it teaches
    for lesson in lessons:  # each formula drawn as HTML, none left as $...$ for MathJax
        assert "$" not in lesson["goal_html"]
        assert lesson["goal_html"].count('class="math"') == lesson["goal"].count("$") // 2
    assert logged == []


def test_a_notebooks_page_is_left_as_it_is() -> None:
    config, _ = hook(NOTEBOOKS, "01_partial_derivatives.ipynb")
    assert config == {"baseUrl": "/"}


def test_a_lesson_that_cannot_be_read_falls_back_to_the_list_of_files(tmp_path: Path) -> None:
    (tmp_path / "01_broken.ipynb").write_text("{ not json", encoding="utf-8")
    config, logged = hook(tmp_path)
    assert "gradlabCourse" not in config
    assert logged and "plain list of files" in logged[0]
    page = render(config, [{"type": "notebook", "name": "01_broken.ipynb",
                            "path": "01_broken.ipynb"}])
    assert 'href="/voila/render/01_broken.ipynb"' in page and "gradlab-lesson" not in page


def test_the_course_page_links_each_lesson_to_voila() -> None:
    config, _ = hook(NOTEBOOKS)
    page = render(config)
    links = re.findall(r'class="gradlab-lesson-title" href="([^"]+)"', page)
    assert links == [f"/voila/render/{path.name}" for path in sorted(NOTEBOOKS.glob("*.ipynb"))]
    assert "<script" not in page and "://" not in page  # nothing run, nothing from elsewhere


def test_voila_reads_the_hook_from_present_config() -> None:
    env = present.environment({"JUPYTER_CONFIG_PATH": "/elsewhere"})
    first, *rest = env["JUPYTER_CONFIG_PATH"].split(":")
    assert Path(first) == present.CONFIG and rest == ["/elsewhere"]
    config = PyFileConfigLoader("voila.py", path=str(present.CONFIG)).load_config()
    set_hook = config.VoilaConfiguration.page_config_hook
    assert set_hook.__name__ == "page_config_hook"
    assert set_hook.__code__.co_filename == str(REPO / "tools" / "present.py")
