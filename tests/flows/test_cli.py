"""The generated command line of every flow (flows/_cli.py): each option is a config field or a
plain flow parameter, its default is the model's, the flags users know still parse, and a bad
value is one line with exit 2."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from prefect import Flow
from prefect.exceptions import ParameterTypeError

import flows
from bookrec.config import (
    DEFAULT_WAREHOUSE,
    ClusterConfig,
    DataConfig,
    EncoderConfig,
    EvalConfig,
    ProjectorConfig,
    RecommendConfig,
    option_terms,
)
from bookrec.errors import ConfigError
from flows._cli import flow_arguments, flow_call, flow_options, flow_parser

ROOT = Path(__file__).resolve().parents[2]


def _flows() -> dict[str, tuple[Flow, object]]:
    found = {}
    for info in pkgutil.iter_modules(flows.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"flows.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Flow) and value.fn.__module__ == module.__name__:
                found[info.name] = (value, module)
    return found


FLOWS = _flows()
# The aliases and negations each module passes to run_flow_cli (read from its __main__ block
# would need running it; these are the flags README, Makefile and the tests use).
EXTRA = {
    "evaluate": {"aliases": {"spaces": ["--space"]}},
    "recommend": {"aliases": {"books": ["--book"]}},
    "train": {"negations": {"--plain-mlp": "residual"}},
}
# Every flag the hand-written parsers offered before the generator, with a sample value.
KNOWN_FLAGS = {
    # --demo and --data-dir exclude each other: one line each (split by " || ")
    "prepare_data": "--warehouse w.duckdb --data-dir d --force || --demo --demo-books 60 "
    "--demo-users 20 --demo-seed 3",
    "embed": "--warehouse w --model m --max-tokens 128 --batch-size 8 --threads 2 --device cpu "
    "--chunk-size 4 --runtime torch --dask-workers 2",
    "encode_embeddings": "--warehouse w --artifacts-dir a --version p0123",
    "evaluate": "--warehouse w --min-ratings 5 --hidden-share 0.3 --tune-share 0.4 --seed 1 "
    "--space raw --no-surprise --reports-dir r --no-topn",
    "full": "--warehouse w --data-dir d --reports-dir r --artifacts-dir a --model m "
    "--max-tokens 64 --seed 1 --force || --demo --demo-books 60 --demo-users 20 --demo-seed 1",
    "lists": "--warehouse w --factors 8 --iterations 2",
    "recommend": "--warehouse w --book A|B|5 --book C --csv c.csv --goodreads-export e.csv "
    "--top 3 --space raw --min-num-ratings 0",
    "recommend_all": "--warehouse w --top 3 --space trained --min-num-ratings 0 "
    "--readers-per-chunk 4 --dask-address tcp://h:8786",
    "compare_spaces": "--warehouse w --reports-dir r --version p1 --seed 2",
    "train": "--warehouse w --artifacts-dir a --hidden-sizes 256 --embedding-size 64 --plain-mlp "
    "--margin 0.3 --raw-weight 1 --cross-user-share 0.2 --negatives hard --epochs 2 "
    "--patience 1 --learning-rate 0.01 --batch-size 64 --seed 3 --threads 2 --force",
}


def parse(name: str, argv: list[str]) -> dict:
    flow, _ = FLOWS[name]
    args = flow_parser(flow, "doc", **EXTRA.get(name, {})).parse_args(argv)
    return flow_arguments(flow, args)


def test_every_flow_is_checked():
    assert set(FLOWS) == set(KNOWN_FLAGS)


@pytest.mark.parametrize("name", sorted(KNOWN_FLAGS))
def test_no_option_given_leaves_every_default_to_the_flow(name):
    assert parse(name, []) == {}


def _as_argv(option, value) -> list[str]:
    flag = f"--{option.name.replace('_', '-')}"
    if isinstance(value, bool):
        return [flag if value else f"--no-{flag[2:]}"]
    if isinstance(value, tuple):
        return [flag, *map(str, value)] if value else [flag]
    return [flag, str(value)]


@pytest.mark.parametrize("name", sorted(KNOWN_FLAGS))
def test_each_default_given_on_the_command_line_is_the_flows_default(name):
    """Every option's type conversion (tuples, paths, bools, choices) round-trips its default."""
    flow, _ = FLOWS[name]
    defaults = flow_call(flow, {})
    argv: list[str] = []
    for option in flow_options(flow.fn):
        value = option.info.default
        if value is None:
            continue  # None is "not given" on a command line
        argv += _as_argv(option, value)
    arguments = parse(name, argv)
    for parameter, value in arguments.items():
        expected = defaults[parameter]
        if dataclasses.is_dataclass(expected):
            assert value == expected, parameter
        else:
            assert str(value) == str(expected), parameter


@pytest.mark.parametrize("name", sorted(KNOWN_FLAGS))
def test_the_flags_users_know_still_parse(name):
    """Each flag of each line lands in a parameter or a config: the line without it parses to
    other arguments (a flag parsed and then dropped would leave them the same)."""
    for line in KNOWN_FLAGS[name].split(" || "):
        tokens = line.split()
        starts = [i for i, token in enumerate(tokens) if token.startswith("--")]
        groups = [tokens[a:b] for a, b in zip(starts, [*starts[1:], len(tokens)], strict=True)]
        arguments = parse(name, tokens)
        for i, group in enumerate(groups):
            without = [token for j, other in enumerate(groups) if j != i for token in other]
            assert parse(name, without) != arguments, group


def test_values_land_in_their_config():
    train = parse("train", ["--hidden-sizes", "256", "128", "--plain-mlp", "--negatives", "hard"])
    assert train["config"] == ProjectorConfig(
        hidden_sizes=(256, 128), residual=False, negatives="hard"
    )
    assert parse("train", ["--hidden-sizes"])["config"].hidden_sizes == ()
    evaluate = parse(
        "evaluate", ["--space", "raw", "--space", "trained", "--no-surprise", "--no-topn"]
    )
    assert evaluate == {
        "config": EvalConfig(spaces=("raw", "trained"), surprise=False),
        "topn": False,
    }
    assert parse("evaluate", ["--spaces", "raw"])["config"].spaces == ("raw",)
    recommend = parse("recommend", ["--book", "A|B|5", "--book", "C", "--top", "3"])
    assert recommend == {"books": ["A|B|5", "C"], "config": RecommendConfig(top=3)}
    prepare = parse("prepare_data", ["--demo", "--demo-books", "60", "--warehouse", "x.duckdb"])
    assert prepare == {"config": DataConfig(demo=True, demo_books=60, warehouse=Path("x.duckdb"))}
    assert parse("embed", ["--dask-workers", "2"]) == {"cluster": ClusterConfig(dask_workers=2)}


@pytest.mark.parametrize(
    ("name", "argv", "message"),
    [
        ("train", "--epochs 0", "--epochs must be at least 1; got 0"),
        ("train", "--margin 3", "--margin must lie in (0, 2); got 3.0"),
        ("train", "--hidden-sizes 0", "each of --hidden-sizes must be at least 1; got 0"),
        ("evaluate", "--hidden-share 1", "--hidden-share must lie in (0, 1); got 1.0"),
        ("embed", "--max-tokens 4", "--max-tokens must lie in 8..512; got 4"),
        ("embed", "--device cuda --runtime onnx", "runtime onnx runs on the CPU"),
        ("embed", "--dask-workers 2 --dask-address tcp://h:1", "give --dask-address or"),
        ("recommend_all", "--readers-per-chunk 0", "--readers-per-chunk must be at least 1; got 0"),
        ("recommend", "--top 0", "--top must be at least 1; got 0"),
        ("prepare_data", "--demo-books 5", "--demo-books must be at least 50; got 5"),
        ("prepare_data", "--demo --data-dir d", "give --demo or --data-dir, not both"),
    ],
)
def test_a_bad_value_is_one_config_error(name, argv, message):
    with pytest.raises(ConfigError) as caught:
        parse(name, argv.split())
    # the start: a check's own sentence ("runtime onnx runs ...") is not renamed ("--runtime")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_wrong_choice_or_type_is_refused_by_argparse(capsys):
    for argv in (["--negatives", "soft"], ["--epochs", "two"]):
        with pytest.raises(SystemExit) as caught:
            parse("train", argv)
        assert caught.value.code == 2
    assert "invalid choice: 'soft'" in capsys.readouterr().err


def test_help_names_descriptions_defaults_limits_and_concerns():
    flow, module = FLOWS["train"]
    text = flow_parser(flow, module.__doc__, **EXTRA["train"]).format_help()
    assert "python -m flows.train --hidden-sizes 256" in text  # the module's examples
    assert "triplets per step (default: 512; at least 1)" in text
    assert "--residual, --no-residual" in text and "--plain-mlp" in text
    for concern in ("NetworkConfig", "TripletConfig", "TrainingLoopConfig", "HoldoutConfig"):
        assert f"config: {concern}" in text
    recommend, module = FLOWS["recommend"]
    text = flow_parser(recommend, module.__doc__, **EXTRA["recommend"]).format_help()
    assert "--books [BOOKS ...], --book [BOOKS ...]" in text
    assert "{raw,trained}" in text and f"default: {DEFAULT_WAREHOUSE}" in text


def test_one_flag_for_two_parameters_is_refused():
    from prefect import flow

    @flow
    def clash(config: ProjectorConfig = ProjectorConfig(), seed: int = 1) -> None:
        """Two seeds."""

    with pytest.raises(TypeError, match="--seed would set both"):
        flow_options(clash.fn)


def test_option_terms_rename_the_settings_alone():
    """The option replaces the field where the message names it, never inside the value."""
    with pytest.raises(ConfigError) as caught:
        EncoderConfig(device="device", max_tokens=4)
    said = str(option_terms(caught.value))
    assert said.startswith("--max-tokens must lie in 8..512; got 4; --device must be one of")
    assert said.endswith("got 'device'")
    plain = ConfigError("a sentence of its own about device")
    assert option_terms(plain) is plain


def test_prefect_validates_a_config_parameter_given_as_json():
    """What a deployment run or the UI's form sends: a dict, checked by the model's limits."""
    train, _ = FLOWS["train"]
    validated = train.validate_parameters({"config": {"epochs": 2, "hidden_sizes": [8]}})
    assert validated["config"] == ProjectorConfig(epochs=2, hidden_sizes=(8,))
    with pytest.raises(ParameterTypeError, match=r"config\.epochs") as caught:
        train.validate_parameters({"config": {"epochs": 0}})
    assert "--epochs" not in str(caught.value)  # a deployment's user sets fields, not options
    schema = train.parameters.model_dump()
    assert "ProjectorConfig" in str(schema["definitions"])
    assert "triplets per step" in str(schema["definitions"])  # the form's field help


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-m", "flows.train", "--epochs", "0"], "error: --epochs must be at least 1; got 0"),
        (["-m", "flows.lists", "--warehouse", "nowhere.duckdb"], "flows.prepare_data"),
    ],
)
def test_a_user_mistake_exits_2_with_one_line(argv, message, tmp_path):
    run = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_bookrec_command_defaults_are_the_configs():
    """`bookrec` keeps a hand-written parser: its defaults must still be the configs'."""
    from bookrec.serving.cli import build_parser

    options = build_parser().parse_args(["recommend"])
    assert options.top == RecommendConfig().top
    assert options.min_num_ratings == RecommendConfig().min_num_ratings
    assert options.warehouse == DEFAULT_WAREHOUSE


def test_demo_command_defaults_are_the_configs():
    from bookrec.demo.__main__ import build_parser

    options = build_parser().parse_args(["--out", "x"])
    config = DataConfig()
    assert (options.books, options.users, options.seed) == (
        config.demo_books,
        config.demo_users,
        config.demo_seed,
    )
