"""The shape holds: core is platform-neutral, adapters are plug-ins found through one list, and no module
imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core"
BOTS = ROOT / "bots"
PLATFORM_CODE = ("discord", "slack_bolt", "slack_sdk", "aiohttp", "bots")
ADAPTER_PACKAGES = ("bots.slack", "bots.discord")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module path imports, anywhere in it (deferred imports inside functions count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = sorted([*CORE.rglob("*.py"), *BOTS.rglob("*.py")])
    modules = {_module(p): p for p in files}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_core_imports_no_platform_code() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        offenders += [f"{path.name}: {m}" for m in _imports(path) if m.split(".")[0] in PLATFORM_CODE]
    assert not offenders, offenders
    assert len(list(CORE.rglob("*.py"))) >= 15  # the walk really looked at core


def test_core_knows_no_platform_settings() -> None:
    for path in sorted(CORE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for word in ("SLACK_", "DISCORD_", "xoxb-", "xapp-"):
            assert word not in text, f"{path.name} knows {word}"


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for target in graph[node]:
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif len(path) < 12:
                visit(target, [*path, target])

    for start in graph:
        visit(start, [start])
    assert not cycles, sorted({" -> ".join(c) for c in cycles})[:5]


def test_only_the_adapter_list_names_the_adapters() -> None:
    # The runner, the CLI, health and config reach adapters through bots.adapter.ADAPTERS alone.
    for path in [*BOTS.glob("*.py"), *(BOTS / "cli").glob("*.py")]:
        if path.name == "adapter.py":
            continue
        named = [m for m in _imports(path) if m.startswith(ADAPTER_PACKAGES)]
        assert not named, f"{path.relative_to(ROOT)} imports {named}"
    from bots.adapter import ADAPTERS

    assert ADAPTERS == ["bots.slack.adapter", "bots.discord.adapter"]
