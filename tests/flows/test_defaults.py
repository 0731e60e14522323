"""Every default lives in bookrec.config: each flow parameter and each command-line option that
names a config field (or a path constant) must default to exactly the config's value."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from prefect import Flow

import flows
from bookrec.config import (
    DEFAULT_ARTIFACTS,
    DEFAULT_EVAL_SEED,
    DEFAULT_REPORTS,
    DEFAULT_WAREHOUSE,
    BatchConfig,
    ClusterConfig,
    CoratingConfig,
    DataConfig,
    EncoderConfig,
    EvalConfig,
    ProjectorConfig,
    RecommendConfig,
)

# The config dataclasses each flow builds (or hands on to the flows it runs).
CONFIGS: dict[str, tuple[type, ...]] = {
    "prepare_data": (DataConfig,),
    "embed": (EncoderConfig, ClusterConfig),
    "recommend_all": (RecommendConfig, BatchConfig, ClusterConfig),
    "train": (ProjectorConfig,),
    "encode_embeddings": (),
    "test_embeddings": (),
    "evaluate": (EvalConfig,),
    "lists": (CoratingConfig,),
    "recommend": (RecommendConfig,),
    "full": (DataConfig, EncoderConfig, ProjectorConfig),
}
CONSTANTS = {
    "warehouse": DEFAULT_WAREHOUSE,
    "reports_dir": DEFAULT_REPORTS,
    "artifacts_dir": DEFAULT_ARTIFACTS,
}
FLOW_CONSTANTS = {"evaluate": {"seed": DEFAULT_EVAL_SEED}}
# Inputs and choices that are no setting: what to read, which version, "the stored one" (None).
NOT_SETTINGS = {
    "prepare_data": {"force"},
    "train": {"force"},
    "encode_embeddings": {"version"},
    "test_embeddings": {"version", "seed"},
    "recommend": {"books", "csv", "goodreads_export", "space"},
    "recommend_all": {"space"},
    "full": {"force"},
    "evaluate": {"topn"},  # whether to run the top-N part at all
}
# Command-line flags that say the opposite of a flow parameter.
NEGATED = {"plain_mlp": "residual", "no_surprise": "surprise"}


_AMBIGUOUS = object()


def _normal(value: object) -> object:
    """Flows take str paths and lists; configs hold Paths and tuples."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _expected(flow_name: str, configs: tuple[type, ...]) -> dict[str, object]:
    """Parameter name -> the default bookrec.config gives it."""
    expected: dict[str, object] = dict(CONSTANTS)
    for config in configs:
        for field in dataclasses.fields(config):
            value = getattr(config(), field.name)
            # A name two configs default differently (threads) can't be one flow parameter.
            clash = field.name in expected and expected[field.name] != value
            expected[field.name] = _AMBIGUOUS if clash else value
    expected.update(FLOW_CONSTANTS.get(flow_name, {}))
    return {name: _normal(value) for name, value in expected.items()}


def _flows() -> dict[str, tuple[Flow, object]]:
    found = {}
    for info in pkgutil.iter_modules(flows.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"flows.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Flow) and value.fn.__module__ == module.__name__:
                found[value.name] = (value, module)
    return found


FLOWS = _flows()


def default_mismatches(flow_name: str, fn) -> list[str]:
    """Parameters whose default is not the config's, or that have no config home."""
    expected = _expected(flow_name, CONFIGS[flow_name])
    problems = []
    for name, parameter in inspect.signature(fn).parameters.items():
        if name in NOT_SETTINGS.get(flow_name, set()):
            continue
        if name not in expected:
            problems.append(f"{flow_name}.{name}: no config field or constant of that name")
        elif _normal(parameter.default) != expected[name]:
            problems.append(
                f"{flow_name}.{name} = {parameter.default!r}, config {expected[name]!r}"
            )
    return problems


def test_every_flow_is_checked():
    assert set(FLOWS) == set(CONFIGS)


@pytest.mark.parametrize("flow_name", sorted(CONFIGS))
def test_flow_defaults_are_the_configs(flow_name):
    flow, _ = FLOWS[flow_name]
    assert default_mismatches(flow_name, flow.fn) == []


def test_a_diverging_default_is_caught():
    def train(warehouse: str = str(DEFAULT_WAREHOUSE), margin: float = 0.3, lr: float = 1.0):
        return None

    assert default_mismatches("train", train) == [
        "train.margin = 0.3, config 0.2",
        "train.lr: no config field or constant of that name",
    ]


@pytest.mark.parametrize("flow_name", sorted(CONFIGS))
def test_command_line_defaults_are_the_flows(flow_name):
    flow, module = FLOWS[flow_name]
    options = vars(module.build_parser().parse_args([]))
    parameters = inspect.signature(flow.fn).parameters
    checked = 0
    for dest, value in options.items():
        if dest in NEGATED:
            dest, value = NEGATED[dest], not value
        inputs = NOT_SETTINGS.get(flow_name, set())
        if dest in inputs or dest not in parameters:
            continue
        if value is None and parameters[dest].default is not None:
            continue  # an append option (--space): absent means the flow's default
        assert _normal(value) == _normal(parameters[dest].default), f"--{dest}"
        checked += 1
    assert checked >= 1


def test_bookrec_command_defaults_are_the_configs():
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
