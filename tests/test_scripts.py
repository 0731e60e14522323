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


def test_whole_job_reads_each_steps_seconds_from_prefects_log() -> None:
    """bench/whole_job.py times each step from Prefect's log lines (as flows.full's subflows
    write them): a step's begin to its end, a step run twice summed, across midnight too."""
    from bench.whole_job import step_seconds

    log = "\n".join(
        [
            "23:59:50.000 | INFO    | Flow run 'calm-fox' - Beginning flow run 'calm-fox' for "
            "flow 'full'",
            "23:59:50.500 | INFO    | Flow run 'red-owl' - Beginning subflow run 'red-owl' for "
            "flow 'prepare_data'",
            "23:59:51.250 | INFO    | Flow run 'red-owl' - 2 files loaded",
            "23:59:52.750 | INFO    | Flow run 'red-owl' - Finished in state Completed()",
            "23:59:58.000 | INFO    | Flow run 'tan-elk' - Beginning subflow run 'tan-elk' for "
            "flow 'embed'",
            "00:00:03.000 | INFO    | Flow run 'tan-elk' - Finished in state Completed()",
            "00:00:04.000 | INFO    | Flow run 'old-bee' - Beginning subflow run 'old-bee' for "
            "flow 'embed'",
            "00:00:05.500 | INFO    | Flow run 'old-bee' - Finished in state Completed()",
            "00:00:06.000 | INFO    | Flow run 'calm-fox' - Finished in state Completed()",
        ]
    )
    assert step_seconds(log) == {"prepare_data": 2.2, "embed": 6.5, "full": 16.0}


def test_a_benchmarks_help_gives_its_whole_first_paragraph() -> None:
    """`python bench/X.py --help` says what the benchmark does in full: its docstring's first
    paragraph (often two lines: the first line alone stopped mid-sentence), then the rest
    (its commands, what it measures) after the options."""
    from bench.common import bench_parser

    doc = """What it runs, over several
    seeds, on the real data.

    python bench/x.py --seeds 0 1
    """
    text = bench_parser(doc).format_help()
    assert "What it runs, over several seeds, on the real data." in " ".join(text.split())
    assert text.index("options:") < text.index("python bench/x.py --seeds 0 1")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_script_cuts_its_description_at_the_first_line(script: Path) -> None:
    """A script that builds its parser from the docstring's first line has a first paragraph
    of one line (else it uses bench_parser)."""
    source = script.read_text(encoding="utf-8")
    if "__doc__.splitlines()[0]" not in source:
        return
    doc = ast.get_docstring(ast.parse(source)) or ""
    first = doc.strip().partition("\n\n")[0]
    assert "\n" not in first, f"{script.name}: its --help would stop at {first.splitlines()[0]!r}"
