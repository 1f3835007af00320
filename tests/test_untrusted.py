"""The boundary for untrusted text (pgconsole.untrusted, ui/widgets/safe.py): what it makes of
control characters and markup, and the structural rules that keep every output path on it."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from rich.console import Group
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from pgconsole.untrusted import SafeConsole, one_line, safe_renderable, safe_text, visible

ROOT = Path(__file__).resolve().parent.parent / "pgconsole"
HOSTILE = "a\x1b[2J\x1b]0;T\x07b\u202ec\x9bd\x7fe"


@pytest.mark.parametrize("raw, one, multi", [
    ("plain name", "plain name", "plain name"),
    ("esc\x1b[2Jx", "esc\\x1b[2Jx", "esc\\x1b[2Jx"),
    ("osc\x1b]0;T\x07", "osc\\x1b]0;T\\x07", "osc\\x1b]0;T\\x07"),
    ("c1\x9b\x85", "c1\\x9b\\x85", "c1\\x9b\\x85"),
    ("del\x7f", "del\\x7f", "del\\x7f"),
    ("bidi\u202eabc\u2066\u200f", "bidi\\u202eabc\\u2066\\u200f", "bidi\\u202eabc\\u2066\\u200f"),
    ("line\u2028sep", "line\\u2028sep", "line\\u2028sep"),
    ("a\nb\r\nc\td", "a\\nb\\r\\nc\\td", "a\nb\nc    d"),
    ("[/nope] [bold]x[/]", "[/nope] [bold]x[/]", "[/nope] [bold]x[/]"),   # markup is not its business
    ("ünï 表 emoji 👍🏽", "ünï 表 emoji 👍🏽", "ünï 表 emoji 👍🏽"),
])
def test_visible_shows_every_control_character_as_an_escape(raw, one, multi):
    assert visible(raw) == one == one_line(raw)
    assert visible(raw, multiline=True) == multi


def test_visible_takes_any_value_and_keeps_safe_strings_as_they_are():
    s = "SELECT 1"
    assert visible(s) is s and visible(None) == "" and visible(42) == "42"


def test_safe_text_keeps_styles_across_the_escapes():
    t = Text("ab")
    t.append("c\x1bd", style="red")
    t.append("e\u202ef")
    out = safe_text(t)
    assert out.plain == "abc\\x1bde\\u202ef"
    assert [(s.start, s.end, str(s.style)) for s in out.spans] == [(2, 3, "red"), (3, 7, "red"), (7, 8, "red")]
    assert safe_text(Text("fine")).plain == "fine"


def test_safe_renderable_never_leaves_a_string_for_markup():
    assert isinstance(safe_renderable("[/x]"), Text) and safe_renderable("[/x]").plain == "[/x]"
    g = safe_renderable(Group(Text("x\x1by"), Text("ok")))
    assert [p.plain for p in g.renderables] == ["x\\x1by", "ok"]


def _printed(*objects, **kw) -> str:
    """What a terminal would get, less the colours (SGR) the console adds itself."""
    buf = io.StringIO()
    SafeConsole(file=buf, width=120, color_system="truecolor", force_terminal=True, **kw).print(*objects)
    return re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue())


def test_safe_console_prints_markup_literally_and_control_characters_as_escapes():
    t = Table(title="[/x]\x1b]0;T\x07")
    t.add_column("[bold]a")
    t.add_row("[link=https://evil.example/]c[/link]\x1b[31m :warning:", Text("t\x1b[2Jx\nsecond line"))
    out = _printed("[/nope] [bold red]markup[/] :smile:", HOSTILE, t)
    assert "[/nope] [bold red]markup[/] :smile:" in out and "[link=https://evil.example/]c[/link]\\x1b[31m" in out
    assert "\\x1b]0;T\\x07" in out and "t\\x1b[2Jx" in out and "second line" in out and ":warning:" in out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)


def test_safe_console_puts_a_string_on_one_line():
    assert _printed("a\nb", force_jupyter=False).strip() == "a\\nb"


# -- the console's widgets and notifications ----------------------------------------------------

def test_line_filter_drops_what_a_missed_path_would_emit():
    from pgconsole.ui.widgets.safe import NoControlCharacters
    segs = [Segment("ok "), Segment("x\x1b[2Jy\x07\u202ez"), Segment("", None, [(1,)])]
    out = NoControlCharacters().apply(segs, None)
    assert [s.text for s in out] == ["ok ", "x[2Jyz", ""] and out[2].control == [(1,)]
    clean = segs[:1]
    assert NoControlCharacters().apply(clean, None) is clean


async def test_notifications_and_static_text_are_never_markup():
    from pgconsole.ui.app import ConsoleApp
    from pgconsole.ui.widgets.safe import SafeStatic

    app = ConsoleApp(None, None, start_polling=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.notify("[/nope] table \x1b[2J", title="[bold]t\x07")
        static = SafeStatic("[/x] \x1b]0;T\x07")
        await app.screen.mount(static)
        await pilot.pause()
        last = list(app._notifications)[-1]
        assert last.message == "[/nope] table \\x1b[2J" and last.title == "[bold]t\\x07" and not last.markup
        assert str(static.render()) == "[/x] \\x1b]0;T\\x07"
        static.update("[link=https://evil.example/]x[/link]")
        assert str(static.render()) == "[link=https://evil.example/]x[/link]"


# -- structural rules: a new output path cannot bypass the boundary ------------------------------

def _modules(under: str = "") -> list[Path]:
    return sorted(p for p in (ROOT / under).rglob("*.py"))


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            yield name, node


def test_ui_modules_show_text_only_through_the_safe_widgets():
    """Textual's Static and Label read strings as markup: every UI module takes SafeStatic and
    SafeLabel (widgets/safe.py) instead; nothing reads markup on purpose either."""
    bad = []
    for path in _modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets" \
                    and path.name != "safe.py":
                bad += [f"{path.name}: imports {a.name}" for a in node.names if a.name in ("Static", "Label")]
        for name, call in _calls(tree):
            if name == "from_markup":
                bad.append(f"{path.name}:{call.lineno}: from_markup")
            for kw in call.keywords:
                if kw.arg == "markup" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    bad.append(f"{path.name}:{call.lineno}: markup={ast.unparse(kw.value)}")
            if name == "TextColumn" and not any(kw.arg == "markup" for kw in call.keywords):
                bad.append(f"{path.name}:{call.lineno}: TextColumn without markup=False")
    assert bad == []


def test_terminal_output_goes_through_the_boundary():
    """Every rich Console is a SafeConsole; print() writes only constants and JSON (which escapes
    control characters itself); anything else goes through untrusted.say()."""
    bad = []
    for path in _modules():
        if path.name == "untrusted.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        for name, call in _calls(tree):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if name == "Console" and isinstance(call.func, ast.Name):
                bad.append(f"{where}: rich Console() (use SafeConsole)")
            if name == "print" and isinstance(call.func, ast.Name) and call.args:
                arg = call.args[0]
                ok = isinstance(arg, ast.Constant) or (
                    isinstance(arg, ast.Call) and ast.unparse(arg.func) in ("json.dumps", "visible", "one_line"))
                if not ok:
                    bad.append(f"{where}: print({ast.unparse(arg)[:40]})")
            if name == "write" and ast.unparse(call.func) == "sys.stdout.write" and path.name != "report.py":
                bad.append(f"{where}: sys.stdout.write")
    assert bad == []

