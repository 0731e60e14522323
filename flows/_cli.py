"""The command line of every `python -m flows.<name>`, generated from the flow's signature.

A setting is spelled once, as a field of a bookrec.config model (or, for the few plain flow
parameters such as `warehouse`, `force` or `version`, as the parameter itself): `flow_parser`
turns each field into `--field-name` with the field's description as help, its default and
limits shown, choices from its Literal type and `--x / --no-x` for a bool. Defaults stay in
the model: an option not given is not passed, so the flow (and the model) supply it. Values
are checked by the model before Prefect starts, so a bad one is one line and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import logging
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from bookrec.config import (
    base_type,
    config_error,
    field_limits,
    from_options,
    limit_phrase,
    option_name,
    settings_fields,
)
from bookrec.errors import BookrecError, exit_code_of
from bookrec.warehouse.connection import require_warehouse_file

SEP = "."  # dest of a config field: "<parameter>.<field>"


@dataclasses.dataclass(frozen=True)
class Option:
    """One command-line option: a plain flow parameter or one field of a config parameter."""

    parameter: str  # the flow parameter it feeds
    field: str | None  # the config field, None for a plain parameter
    info: FieldInfo  # annotation, default, description, limits

    @property
    def name(self) -> str:
        return self.field or self.parameter

    @property
    def dest(self) -> str:
        return f"{self.parameter}{SEP}{self.field}" if self.field else self.parameter


def is_config(annotation: object) -> bool:
    """A bookrec.config model (a pydantic dataclass)?"""
    return isinstance(annotation, type) and hasattr(annotation, "__pydantic_fields__")


def declaring_class(model: type, field: str) -> type:
    """The config class that declares a field: the model itself or one of its concerns."""
    for klass in reversed(model.__mro__):
        if is_config(klass) and field in klass.__pydantic_fields__:
            return klass
    return model


def _arg_docs(doc: str | None) -> dict[str, str]:
    """name -> text of a Google-style "Args:" section (continuation lines joined)."""
    found: dict[str, str] = {}
    section, name = False, None
    for line in inspect.cleandoc(doc or "").splitlines():
        if line.strip() in ("Args:", "Arguments:"):
            section = True
        elif section and line and not line.startswith(" "):
            section = False
        elif section and (m := re.match(r"\s{4}(\w+)(?: \(.*?\))?: (.*)", line)):
            name = m.group(1)
            found[name] = m.group(2).strip()
        elif section and name and line.strip():
            found[name] += " " + line.strip()
    return found


def flow_options(fn: Callable[..., Any]) -> list[Option]:
    """Every option of a flow function, in signature order (config fields in field order)."""
    hints = typing.get_type_hints(fn, include_extras=True)
    docs = _arg_docs(fn.__doc__)
    options: list[Option] = []
    for name, parameter in inspect.signature(fn).parameters.items():
        annotation = hints.get(name, Any)
        if is_config(annotation):
            for field, info in settings_fields(annotation).items():
                options.append(Option(name, field, info))
            continue
        info = FieldInfo.from_annotated_attribute(annotation, parameter.default)
        if info.description is None and name in docs:
            info.description = docs[name]
        options.append(Option(name, None, info))
    seen: dict[str, Option] = {}
    for option in options:
        if option.name in seen:
            raise TypeError(
                f"{fn.__name__}: --{option.name} would set both {seen[option.name].dest} and "
                f"{option.dest}; rename one"
            )
        seen[option.name] = option
    return options


def _strip_optional(annotation: object) -> object:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _scalar(annotation: object) -> dict[str, object]:
    """type= / choices= of one value."""
    annotation = _strip_optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is Literal:
        return {"choices": list(typing.get_args(annotation))}
    if annotation in (int, float, Path):
        return {"type": annotation}
    return {"type": str}


def _shown(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return " ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)


def _help(option: Option) -> str:
    """The description, then the default and the limits: "triplets per step (default: 512;
    at least 1)"."""
    text = (option.info.description or "").rstrip(".")
    extra = []
    if not option.info.is_required():
        extra.append(f"default: {_shown(option.info.default)}")
    if found := field_limits(option.info):
        phrase = str(limit_phrase(found, base_type(option.info.annotation) is int))
        extra.append(phrase.removeprefix("must ").removeprefix("be ").removeprefix("lie "))
    text = f"{text} ({'; '.join(extra)})" if extra else text
    return text.replace("%", "%%")


def add_option(
    parser: argparse._ActionsContainer, option: Option, aliases: Sequence[str] = ()
) -> None:
    """One --field-name (plus the user-known aliases) for one field or parameter."""
    flags = [option_name(option.name), *aliases]
    annotation = _strip_optional(option.info.annotation)
    common = {"dest": option.dest, "default": argparse.SUPPRESS}
    if annotation is bool:
        parser.add_argument(
            *flags, action=argparse.BooleanOptionalAction, help=_help(option), **common
        )
        return
    if typing.get_origin(annotation) in (tuple, list):
        element = typing.get_args(annotation)[0]
        empty_ok = not option.info.is_required() and not option.info.default
        parser.add_argument(
            *flags,
            nargs="*" if empty_ok else "+",
            action="extend",
            help=_help(option),
            metavar=option.name.upper(),
            **_scalar(element),
            **common,
        )
        return
    if option.info.metadata and isinstance(option.info.default, bool):
        raise TypeError(f"--{option.name}: annotate bool parameters as bool")
    scalar = _scalar(annotation)
    metavar = None if "choices" in scalar else option.name.upper()
    parser.add_argument(*flags, help=_help(option), metavar=metavar, **scalar, **common)


def flow_parser(
    flow: Any,
    doc: str,
    aliases: dict[str, Sequence[str]] | None = None,
    negations: dict[str, str] | None = None,
) -> argparse.ArgumentParser:
    """The parser of one flow: the module docstring (its examples as the epilog), then one
    option per plain parameter and one group of options per config parameter.

    aliases: field or parameter name -> extra flags users know (e.g. "books": ["--book"]).
    negations: an extra flag that sets a bool field to False (e.g. "--plain-mlp": "residual").
    """
    first, _, rest = doc.strip().partition("\n\n")
    parser = argparse.ArgumentParser(
        prog=f"python -m {module_of(flow)}",
        description=" ".join(first.split()),
        epilog=rest.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    aliases = aliases or {}
    hints = typing.get_type_hints(flow.fn, include_extras=True)
    groups: dict[tuple[str, type], argparse._ActionsContainer] = {}
    for option in flow_options(flow.fn):
        container: argparse._ActionsContainer = parser
        if option.field is not None:
            # a config gathered from several (ProjectorConfig): one group per concern
            model = declaring_class(hints[option.parameter], option.field)
            if (option.parameter, model) not in groups:
                title = " ".join(inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].split())
                groups[option.parameter, model] = parser.add_argument_group(
                    f"{option.parameter}: {model.__name__}", title
                )
            container = groups[option.parameter, model]
        add_option(container, option, aliases.get(option.name, ()))
    for flag, field in (negations or {}).items():
        target = next(o for o in flow_options(flow.fn) if o.name == field)
        parser.add_argument(
            flag,
            dest=target.dest,
            action="store_false",
            default=argparse.SUPPRESS,
            help=f"same as --no-{field.replace('_', '-')}",
        )
    return parser


def flow_arguments(flow: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The flow's keyword arguments from parsed options: each config built (and checked) from
    the fields given, each plain parameter checked against its annotation; what was not given
    is left to the flow's defaults.

    Raises:
        ConfigError: a value outside its field's limits (one line).
    """
    given = vars(args)
    hints = typing.get_type_hints(flow.fn, include_extras=True)
    kwargs: dict[str, Any] = {}
    configs: dict[str, dict[str, Any]] = {}
    for option in flow_options(flow.fn):
        if option.dest not in given:
            continue
        value = given[option.dest]
        if option.field is not None:
            configs.setdefault(option.parameter, {})[option.field] = value
            continue
        try:
            kwargs[option.parameter] = TypeAdapter(hints[option.parameter]).validate_python(value)
        except ValidationError as exc:
            errors = exc.errors()
            for error in errors:
                error["loc"] = (option.parameter, *error["loc"])
            raise config_error(
                ValidationError.from_exception_data(exc.title, errors),  # type: ignore[arg-type]
                {option.parameter: option.info},
                option_name,
            ) from None
    for parameter, fields in configs.items():
        kwargs[parameter] = from_options(hints[parameter], **fields)  # errors: --hidden-share
    return kwargs


class _HideUserErrorTracebacks(logging.Filter):
    """Prefect logs every task failure with its traceback; for a user mistake the one-line
    message says all there is to say, so the traceback is dropped (bugs keep theirs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], BookrecError):
            record.exc_info = None
            record.exc_text = None
        return True


def hide_user_error_tracebacks() -> None:
    """Install the filter on the handlers Prefect has set up (console and API log): the
    root's and every prefect logger's (the engine logs a failed run once more)."""
    names = ["", *(n for n in logging.root.manager.loggerDict if n.startswith("prefect"))]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, _HideUserErrorTracebacks) for f in handler.filters):
                handler.addFilter(_HideUserErrorTracebacks())


# A worker's flow run has set up Prefect's logging before it imports the flow module (and
# this one): the command line installs the filter in run_flow_cli, a deployed run here.
hide_user_error_tracebacks()


def run_flow_cli(
    flow: Any,
    doc: str,
    argv: Sequence[str] | None = None,
    *,
    aliases: dict[str, Sequence[str]] | None = None,
    negations: dict[str, str] | None = None,
    before: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Parse argv with the flow's generated parser and run the flow; a user mistake (a bad
    value, a missing warehouse, a failed step's BookrecError) is one line on stderr and exit 2.

    before: checks on the arguments that should fail before Prefect starts (e.g. that the
    warehouse was built); the default requires the warehouse when the flow takes one.

    Errors that are not the user's (bugs) keep their traceback: hiding them would hide the bug.
    """
    args = flow_parser(flow, doc, aliases, negations).parse_args(argv)

    def main() -> object:
        kwargs = flow_arguments(flow, args)
        (before or require_warehouse_argument)(flow_call(flow, kwargs))
        guard_temporary_server_if_any()
        hide_user_error_tracebacks()
        quiet_library_logs()
        return flow(**kwargs)

    return exit_code_of(main)


def guard_temporary_server_if_any() -> None:
    """Watch Prefect's temporary server when this run will start one (no API URL set).

    With an API URL there is no temporary server to guard, and Prefect's server module (which
    the guard patches) takes seconds to import: a run on a server skips it, as --help does.
    """
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return
    from flows._server_guard import guard_temporary_server

    guard_temporary_server()


def flow_call(flow: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Every parameter of a call, the flow's defaults filled in (for the `before` checks)."""
    bound = inspect.signature(flow.fn).bind_partial(**kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def require_warehouse_argument(arguments: dict[str, Any]) -> None:
    """Fail before Prefect starts when the flow's warehouse was never built."""
    if "warehouse" in arguments:
        require_built_warehouse(arguments["warehouse"])


def quiet_library_logs() -> None:
    """Keep third-party chatter (httpx, transformers, Dask's scheduler) out of the terminal."""
    for name in ("httpx", "transformers", "urllib3", "distributed"):
        logging.getLogger(name).setLevel(logging.WARNING)


def require_built_warehouse(warehouse: Path | str) -> None:
    """Fail before Prefect starts when the warehouse was never built: one line, no run logs."""
    require_warehouse_file(Path(warehouse))


__all__ = [
    "Option",
    "flow_arguments",
    "flow_options",
    "flow_parser",
    "hide_user_error_tracebacks",
    "run_flow_cli",
]


def module_of(flow: Any) -> str:
    """The module a user runs the flow as (`flows.compare_spaces` runs flow `test_embeddings`)."""
    module = flow.fn.__module__
    if module == "__main__":  # python -m flows.X: the spec keeps the name
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        module = spec.name if spec is not None else module
    return module
