"""Which way the arrows run (docs/architecture.md), checked on every import statement of the portal's own apps.

- `core` imports no app; `identity` imports only `core`.
- `search` and `notifications` import no app: apps register with them. (One exception, named below: the
  notification socket reads who is connected from `identity.websocket`, identity's authentication of sockets.)
- Every other app imports `core`, `cms` and `identity`, and of `search`, `notifications` and `payments` only
  their registries (`search.registry`, `notifications.registry`, `payments.registry`).
- Nothing imports `portal`, which wires everything, nor `tests`.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REGISTRIES = {
    "search": {"search.registry"},
    "notifications": {"notifications.registry"},
    "payments": {"payments.registry"},
}
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
    assert not allowed("labour", "payments.services")
    assert allowed("participation", "search.registry") and allowed("themes", "core.menu")
    assert allowed("labour", "payments.registry")


# --- The fences of core.sql --------------------------------------------------------------------------------

# The modules on the hottest path, and no others, may write SQL text (core/sql.py's docstring says why).
SQL_USERS = {
    "identity/sessions.py",
    "identity/policy.py",
    "participation/services/petitions.py",
    "notifications/services.py",
}


def test_only_the_hottest_paths_import_core_sql():
    users = {
        str(path)
        for app in portal_apps()
        for path, module in imports_of(app)
        if module == "core.sql" or module.startswith("core.sql.")
    }
    assert users == SQL_USERS


def sql_inserts():
    """(file, model name, names given) of every `sql.insert(Model, values)`: `values` a dict literal, or a name
    bound to one in the same function."""
    for name in sorted(SQL_USERS):
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            bound = {
                target.id: node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "insert"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "sql"
                ):
                    model, values = call.args[0], call.args[1]
                    values = bound.get(values.id) if isinstance(values, ast.Name) else values
                    assert isinstance(values, ast.Dict), f"{name}: give sql.insert a dict literal"
                    yield name, model.id, {key.value for key in values.keys}


def test_every_sql_insert_names_each_not_null_column_without_a_database_default_and_its_model_says_so():
    from django.db.models import NOT_PROVIDED

    models = {model.__name__: model for model in apps.get_models()}
    found = set()
    for name, model_name, given in sql_inserts():
        model = models[model_name]
        found.add(model_name)
        required = {
            field.attname
            for field in model._meta.concrete_fields
            if not field.null and field.db_default is NOT_PROVIDED and not field.primary_key
        }
        names = {model._meta.get_field(key).attname for key in given}
        assert required <= names, f"{name}: sql.insert({model_name}) leaves out {sorted(required - names)}"
        assert "core.sql" in (model.__doc__ or ""), f"{model_name}'s docstring must say core.sql writes it"
    assert found == {"PetitionSignature", "Follow"}


# Inside an app, the rooms run one way too: views, the API and the admin hooks call services and selectors;
# services read through selectors; selectors read models; models serve no view and write through no service (a
# page model's get_context may read through selectors, and its editors' form may come from forms; participation's
# page views register themselves, participation.models.register_page_view).
ROOMS_BELOW = {
    "models": {"views", "api", "wagtail_hooks", "services"},
    "selectors": {"views", "api", "wagtail_hooks", "services", "forms"},
    "services": {"views", "api", "wagtail_hooks", "forms"},
}


def room_of(app, path):
    """The room of a file of `app` (`models`, `selectors`, …): its module, or its package."""
    return path.relative_to(ROOT / app).with_suffix("").parts[0]


def relative_imports_of(app):
    """(room of the importing file, module inside `app` it imports) for every import of the app's own code."""
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        room = room_of(app, path)
        package = path.relative_to(ROOT / app).parent.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                target = list(package[: len(package) - (node.level - 1)]) + (
                    node.module.split(".") if node.module else []
                )
            elif node.module and node.module.split(".")[0] == app:
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                yield room, ".".join([*target, alias.name])


def test_inside_each_app_the_rooms_import_only_downwards():
    wrong = [
        (app, room, module)
        for app in portal_apps()
        for room, module in relative_imports_of(app)
        if module.split(".")[0] in ROOMS_BELOW.get(room, ())
    ]
    assert wrong == []


def test_the_rooms_rule_sees_what_it_should():
    found = set(relative_imports_of("participation"))
    assert ("models", "forms.page_forms.PollPageForm") in found  # a relative import from a package is resolved
    assert ("services", "selectors.polls.original_of") in found  # services read through selectors
    assert ("views", "services.polls") in found
    assert room_of("participation", ROOT / "participation/models/polls.py") == "models"


def test_every_spreadsheet_is_written_by_core_exports():
    """One writer (core.exports) neutralises formula cells; a csv.writer or a Workbook elsewhere would not."""
    writers = []
    for app in portal_apps():
        if app == "core":
            continue
        for path in sorted((ROOT / app).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "migrations" not in path.parts and ("csv.writer(" in text or "Workbook(" in text):
                writers.append(str(path.relative_to(ROOT)))
    assert writers == []


def test_every_test_module_holds_tests_and_domain_events_are_recorded_one_way():
    """A module named test_*.py holds tests (helpers and fakes have other names), and the tests subscribe to domain
    events only through tests/event_recorder.py (tests/core/test_events.py tests subscribing itself)."""
    tests = ROOT / "tests"
    empty, recorders = [], []
    for path in sorted(tests.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)]
        if path.name.startswith("test_") and not any(name.startswith(("test_", "Test")) for name in names):
            empty.append(str(path.relative_to(ROOT)))
        if path.name not in (
            "event_recorder.py",
            "test_events.py",
            "test_architecture.py",
        ) and "events.subscribe(" in path.read_text(encoding="utf-8"):
            recorders.append(str(path.relative_to(ROOT)))
    assert empty == [], f"named like test modules but hold no tests: {empty}"
    assert recorders == [], f"record events with tests/event_recorder.py instead: {recorders}"
