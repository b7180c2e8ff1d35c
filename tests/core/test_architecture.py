"""Which way the arrows run (docs/architecture.md), checked on every import statement of the portal's own apps.

- `core` imports no app; `identity` imports only `core`.
- `search` and `notifications` import no app: apps register with them. (One exception, named below: the
  notification socket reads who is connected from `identity.websocket`, identity's authentication of sockets.)
- Every other app imports `core`, `cms` and `identity`, and of `search` and `notifications` only their
  registries (`search.registry`, `notifications.registry`).
- Nothing imports `portal`, which wires everything, nor `tests`.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REGISTRIES = {"search": {"search.registry"}, "notifications": {"notifications.registry"}}
# What an app may import besides itself, when it is not the general rule.
ALLOWED = {
    "core": set(),
    "identity": {"core"},
    "search": {"core"},
    "notifications": {"core", "identity.websocket"},
}
GENERAL = {"core", "cms", "identity"}


def portal_apps():
    """The portal's own apps: those whose code is in this repository."""
    return sorted(
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT and "." not in config.name
    )


def imports_of(app):
    """(file, module) for every absolute import in `app`, migrations left out."""
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for module in modules:
                yield path.relative_to(ROOT), module


def allowed(app, module):
    top = module.split(".")[0]
    if top == app or top not in portal_apps() + ["portal", "tests"]:
        return True
    if top in ("portal", "tests"):
        return False
    rules = ALLOWED.get(app)
    if rules is not None:
        return any(module == rule or module.startswith(rule + ".") for rule in rules)
    if top in REGISTRIES:
        return any(module == rule or module.startswith(rule + ".") for rule in REGISTRIES[top])
    return top in GENERAL


def test_the_portal_apps_are_found():
    assert {"core", "cms", "identity", "participation", "notifications", "search", "themes"} <= set(portal_apps())


def test_every_import_runs_the_way_the_arrows_allow():
    wrong = [
        f"{path}: {module}"
        for app in portal_apps()
        if app != "portal"
        for path, module in imports_of(app)
        if not allowed(app, module)
    ]
    assert wrong == []


def test_the_rule_itself_refuses_what_it_should():
    assert not allowed("notifications", "identity.middleware")
    assert not allowed("search", "cms.models")
    assert not allowed("themes", "participation.models")
    assert not allowed("participation", "search.selectors")
    assert not allowed("cms", "portal.urls")
    assert allowed("participation", "search.registry") and allowed("themes", "core.menu")
