"""The layers keep to their jobs: routes and presenters build no queries and commit nothing
(the services do), and the services know nothing of HTTP."""

import ast
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
# What a route or presenter may take from the database libraries: the session's type, and
# the base class of request bodies.
TYPES_ONLY = {"sqlmodel": {"Session", "SQLModel"}}
DATABASE_LIBRARIES = ("sqlalchemy", "sqlmodel")
# A module longer than this does several jobs: split it by job.
MOST_LINES = 600
WEB_LIBRARIES = ("fastapi", "starlette")


def modules(folder: str) -> list[Path]:
    return sorted((APP / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def imported(tree: ast.Module) -> list[tuple[str, str | None]]:
    """(module, name) for every import; name is None for `import module`."""
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", modules("routes") + modules("presenters"), ids=_name)
def test_routes_and_presenters_build_no_queries_and_commit_nothing(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module, name in imported(tree):
        root = module.split(".")[0]
        if root in DATABASE_LIBRARIES:
            assert name in TYPES_ONLY.get(module, set()), f"imports {name or module} from {module}"
    calls = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    for method in ("commit", "exec", "execute", "rollback"):
        assert method not in calls, f"calls .{method}()"


@pytest.mark.parametrize("path", modules("services"), ids=_name)
def test_services_know_nothing_of_http(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module, _ in imported(tree):
        assert module.split(".")[0] not in WEB_LIBRARIES, f"imports {module}"
        assert not module.startswith(("app.routes", "app.presenters", "app.templating")), module


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=_name)
def test_no_module_does_several_jobs(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_LINES, f"{lines} lines: split it by job"
