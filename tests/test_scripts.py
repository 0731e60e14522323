"""The scripts outside the test suite (bench/, docs/) call the library's helpers as they are
now: no test runs them whole (they need chromium, the real warehouse, minutes), and two of
them once called bench.web_load.start_server with the arguments of an older signature and
failed at their first line of work. Each call of a checked helper is bound to its signature
here, as Python would bind it, without running it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from bench.web_load import free_port, start_server

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted([*(ROOT / "bench").glob("*.py"), *(ROOT / "docs").glob("*.py")])
CHECKED = {"start_server": start_server, "free_port": free_port}


def _calls(path: Path) -> list[tuple[str, ast.Call]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.func.id, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in CHECKED
    ]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_scripts_call_the_helpers_with_their_current_signature(script: Path) -> None:
    for name, call in _calls(script):
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            continue  # *args / **kwargs: not decidable here
        signature = inspect.signature(CHECKED[name])
        try:
            signature.bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except TypeError as error:
            pytest.fail(f"{script.name} line {call.lineno}: {name}(...): {error}")


def test_the_check_sees_the_calls_and_a_wrong_one() -> None:
    """Not vacuous: the scripts that start a server are found, and an old-style call fails."""
    calling = {p.name for p in SCRIPTS for name, _ in _calls(p) if name == "start_server"}
    assert {"web_load.py", "web_import.py", "web_screenshot.py"} <= calling
    old = ast.parse("start_server(warehouse, port, log)").body[0].value
    with pytest.raises(TypeError):
        inspect.signature(start_server).bind(*old.args)
