"""Parameter coercion without pydantic for the plain types bindgen's commands take.

typer 0.29 converts every command-line value through a pydantic ``TypeAdapter``; building the
first one imports pydantic, about 50-70 ms here, a third of a ``bindgen kotlin`` run. bindgen's
parameters are ``str``, ``Path``, ``int``, ``float`` and lists of them, with no constraints, and
click hands them over as strings. :class:`LeanCommand` gives such a parameter a converter that
needs no pydantic before click parses the command line:

* ``str`` stays as it is; ``Path`` is built and then checked by typer's own ``coerce_cli_path``
  (the same existence/readability checks and messages);
* ``int`` / ``float`` only in their plain spelling (``-12``, ``0.5``), where Python's conversion
  and pydantic's agree; ``bool`` only when click already made it one;
* a list converts item by item.

Every other value, type or constraint (ranges, choices, files, a dash, a bad number) goes to
typer's own coercion, so the result and the error message stay typer's. On a typer release other
than the verified ones (:data:`VERIFIED_TYPER`), :func:`command_class` returns None and typer
coerces everything itself: slower, never wrong. ``tests/test_cli_lean.py`` compares both on every
parameter of every command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import typer

#: typer releases whose internals this module was checked against (tests/test_cli_lean.py); any
#: other release gets plain typer: slower, never wrong.
VERIFIED_TYPER = ("0.29.",)

try:  # typer internals
    from typer import core as _typer_core
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - depends on the installed typer
    _typer_core = None  # type: ignore[assignment]
if not typer.__version__.startswith(VERIFIED_TYPER):  # pragma: no cover - depends on the installed typer
    _typer_core = None  # type: ignore[assignment]

_INT = re.compile(r"-?(0|[1-9][0-9]{0,17})\Z")
_FLOAT = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?\Z")
_SCALARS = (str, Path, int, float, bool)


class _Unhandled(Exception):
    """The lean path does not decide this value: typer's own coercion does."""


def _scalar(annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
    if annotation is str:
        if isinstance(value, str):
            return value
    elif annotation is Path:
        info = param.type_descriptor.parameter_info
        if isinstance(value, str) and value and "\0" not in value and not (info.file_okay and info.allow_dash):
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    elif annotation is int:
        if isinstance(value, str) and _INT.match(value):
            return int(value)
        if type(value) is int:
            return value
    elif annotation is float:
        if isinstance(value, str) and _FLOAT.match(value):
            return float(value)
        if type(value) is float:
            return value
    elif annotation is bool and isinstance(value, bool):  # typer skips bool flags, not all bools
        return value
    raise _Unhandled


def plain_annotation(descriptor: Any) -> bool:
    """Whether ``descriptor`` (typer's TypeDescriptor) is a type the lean path knows, unconstrained.

    Reads ``ParameterInfo`` directly rather than typer's ``is_ranged``: on Python 3.10 that property
    raises for ``list[str]`` (``issubclass`` on a generic alias).
    """
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None or getattr(info, "click_type", None):
        return False
    if info.min is not None or info.max is not None or info.clamp or info.path_type not in (None, Path):
        return False
    annotation: Any = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return annotation in _SCALARS


if _typer_core is not None:

    class LeanRuntimeParam(RuntimeParam):
        """typer's RuntimeParam contract; falls back to typer's own one for anything unusual."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                annotation: Any = self.annotation
                if get_origin(annotation) is list:
                    (item,) = get_args(annotation)
                    if not isinstance(value, (list, tuple)):
                        raise _Unhandled
                    return [_scalar(item, v, param, ctx) for v in value]
                return _scalar(annotation, value, param, ctx)
            except _Unhandled:
                typer_own = build_runtime_param(param.type_descriptor)
                return typer_own._coerce_value(value, param=param, ctx=ctx)

    class LeanCommand(_typer_core.TyperCommand):
        """A typer command whose plain parameters convert without importing pydantic."""

        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            for param in self.get_params(ctx):  # with the --help option click adds
                install(param)
            result: list[str] = super().parse_args(ctx, args)
            return result

    class LeanGroup(_typer_core.TyperGroup):
        """The same for the group's own options (``--version``)."""

        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            for param in self.get_params(ctx):  # with the --help option click adds
                install(param)
            result: list[str] = super().parse_args(ctx, args)
            return result


def install(param: Any) -> bool:
    """Give ``param`` the lean converter when its type allows; True when it did."""
    if _typer_core is None or not isinstance(param, _typer_core._TyperParameter):
        return False
    if param._runtime_param is not None or not plain_annotation(param.type_descriptor):
        return False
    descriptor = param.type_descriptor
    param._runtime_param = LeanRuntimeParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
    return True


def command_class() -> type[Any] | None:
    """The command class to register commands with (None: typer's default)."""
    return LeanCommand if _typer_core is not None else None


def group_class() -> type[Any] | None:
    """The group class of the app (None: typer's default)."""
    return LeanGroup if _typer_core is not None else None
