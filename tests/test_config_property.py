"""Random mistakes in a real stack file: each is one line naming the file, never a traceback."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components import config as stack_config
from components.config.files import read_yaml
from tests.conftest import PROJECT_DIR

STACK = read_yaml((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the stack file: a mapping's key, a list's index."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


PATHS = _paths(STACK)


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


MAPPING_PATHS = [p for p in [(), *PATHS] if isinstance(_at(STACK, p), dict)]

WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def _load(stack: dict[str, Any]) -> None:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in stack.items()}
    stack_config.load("webplatform", "dev", values)


def _assert_one_line_naming_the_file(error: stack_config.ConfigError) -> None:
    text = str(error)
    assert text.startswith("Pulumi.dev.yaml: "), text
    assert "\n" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=WRONG_VALUES)
@example(path=("webplatform:functions",), value={"\n": 0})  # a key with a newline
def test_a_wrong_value_anywhere_is_accepted_or_one_line(path: tuple[Any, ...], value: Any) -> None:
    stack = copy.deepcopy(STACK)
    _at(stack, path[:-1])[path[-1]] = value
    try:
        _load(stack)
    except stack_config.ConfigError as error:
        _assert_one_line_naming_the_file(error)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(MAPPING_PATHS),
    key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    value=WRONG_VALUES,
)
def test_an_unknown_key_at_any_depth_is_one_line(
    path: tuple[Any, ...], key: str, value: Any
) -> None:
    stack = copy.deepcopy(STACK)
    unknown = f"webplatform:zz{key}" if path == () else f"zz{key}"
    _at(stack, path)[unknown] = value
    try:
        _load(stack)
    except stack_config.ConfigError as error:
        _assert_one_line_naming_the_file(error)
    else:
        raise AssertionError(f"{unknown} under {path} was accepted")
