"""Each step README's Contract section names everything that step's tests use.

In workshop mode a learner builds step N from its contract, not from its tests (the answer key),
and `check N` grades the copy with those tests. So every error code, frame type, close code,
URL, imported name, management command, script option, setting, environment variable, page id
and class, page function and logger that the step's tests use must be in the Contract section
of the step's README. The terms are read from the tests' code (tests/*.py, docstrings left out);
a failure names each missing term and a test file that uses it.

Other engineers add tests all the time: when this file fails, add the term it names to the
Contract section, with what it means.
"""

import ast
import functools
import re

import pytest

from coursekit.prose import ROOT

STEPS = sorted(path for path in ROOT.glob("step[0-9][0-9]_*") if path.is_dir())
HEADING = "## Contract"

# Terms the tests use that are not the step's to build, by kind, each with why it is left out.
NOT_THE_STEPS = {
    "error code": {
        "x": "test_page_layout.py hands the page a made-up error frame; any code is shown",
    },
    "frame type": {
        ".secret": "test_events.py shows Channels refusing a type that names a private method",
        "note": "test_layers.py sends a made-up message through the layer to see what it keeps",
    },
    "URL": {
        "/usr/sbin": "where Debian installs nginx, which test_nginx.py looks for",
        "/{}": "the end of the PostgreSQL URL that the postgres fixture makes",
    },
    "page id or class": {
        ".innerHTML": "the property the tests make sure no script uses",
        ".secret": "the made-up event type of test_events.py, not a class",
        ".pytest_cache": "a folder that runs leave behind, named by step 1's test_readme.py",
        ".ruff_cache": "a folder that runs leave behind, named by step 1's test_readme.py",
    },
    "setting": {
        "SESSION_COOKIE_NAME": "Django's own, read by the fixtures that log users in",
        "CSRF_COOKIE_NAME": "Django's own, read by the fixtures that log users in",
        "PASSWORD_HASHERS": "set by a fixture to a fast hasher; nothing to build",
        "BACKEND": "read as CHANNEL_LAYERS's or DATABASES' own key, named with them",
        "CONFIG": "read as CHANNEL_LAYERS's own key, named with it",
        "ENGINE": "read as DATABASES' own key, named with it",
    },
}
# An error code is machine-readable: step 1's JSON errors are sentences, and its README says them.
CODE = re.compile(r"[a-z][a-z0-9_]*")
# ASGI's own message types: the protocol, not the step's frames.
ASGI_TYPE = re.compile(r"^(websocket|http|lifespan)(\..*)?$")
# Close codes: the standard ones (RFC 6455) and the application's own range.
CLOSE_CODES = set(range(1000, 1016)) | set(range(3000, 5000))
# A path the tests request: a string that is one, or one after an f-string's base URL.
PATH = re.compile(r"^(?:\{\})?(/[^\s\"'\\]*)$")
JS_BUILTINS = {
    "Array", "JSON", "Math", "MessageEvent", "MutationObserver", "document",
    "getComputedStyle", "innerWidth", "window",
}  # fmt: skip
JS_DECLARED = re.compile(
    r"(?:const|let|var)\s+(\w+)|window\.(\w+)\s*=|\(\s*\[?([\w\s,]+?)\]?\s*\)\s*=>|(\w+)\s*=>"
)
# A CSS selector such as "#log li.received" or ".account #logout".
SELECTOR = re.compile(r"[#.]?[\w-]+(?:[#.][\w-]+)*(?:[\s>]+[#.]?[\w-]+(?:[#.][\w-]+)*)*")
# Files `check` copies from the step itself, so a learner does not write them.
READ_BY_CHECK = {"README.md", "pytest.ini"}
ENVIRON_READS = {"os.environ.get", "os.getenv", "environ.get"}
LOG_LINE = re.compile(r"^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) ([A-Za-z_][\w.]*): ")


# Reading a step's tests ----------------------------------------------------------------------


class Sources:
    """A step's test modules, parsed, and what the rest of the step defines."""

    def __init__(self, step):
        self.step = step
        self.trees = {
            path.name: ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(step.glob("tests/*.py"))
        }
        self.packages = {path.parent.name for path in step.glob("*/__init__.py")} - {"tests"}
        self.commands = {path.stem for path in step.glob("*/management/commands/[!_]*.py")}
        self.scripts = {path.name for path in step.glob("*.py")} - {"manage.py"}
        code = [path for path in step.rglob("*.py") if "tests" not in path.relative_to(step).parts]
        self.environ, self.settings = set(), set()
        for path in code:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and ast.unparse(node.func) in ENVIRON_READS:
                    self.environ.add(text(node.args[0]) if node.args else None)
                elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                    self.environ.add(text(node.slice))
                elif isinstance(node, ast.Assign) and path.name == "settings.py":
                    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                    self.settings.update(name for name in names if name.isupper())

    def walk(self):
        """(file name, node) for every node of every test module."""
        for name, tree in self.trees.items():
            for node in ast.walk(tree):
                yield name, node

    def strings(self):
        """(file name, text) of every string in the tests' code; an f-string's fields are {}."""
        for name, tree in self.trees.items():
            skip = docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.BinOp) and id(node) not in skip:
                    folded = fold(node)
                    if isinstance(folded, str):
                        # "/chat/" + "x" * 51 + "/" is one path, not three strings.
                        skip.update(id(part) for part in ast.walk(node))
                        yield name, folded
                elif isinstance(node, ast.JoinedStr):
                    skip.update(id(part) for part in node.values)
                    yield (
                        name,
                        "".join(
                            part.value if isinstance(part, ast.Constant) else "{}"
                            for part in node.values
                        ),
                    )
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if id(node) not in skip:
                        yield name, node.value

    def module_exists(self, dotted):
        """Whether DOTTED names a module or package of the step's own code."""
        path = self.step.joinpath(*dotted.split("."))
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def docstrings(tree):
    """The ids of the docstring nodes of a module and of its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def fold(node):
    """The value of an expression of str and int constants joined by + and *, or None."""
    if isinstance(node, ast.Constant) and type(node.value) in (str, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        left, right = fold(node.left), fold(node.right)
        if left is not None and right is not None:
            try:
                return left + right if isinstance(node.op, ast.Add) else left * right
            except TypeError:
                return None
    return None


def text(node):
    """A str constant's value, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def subscripts(node, key):
    """Whether NODE holds `x[KEY]` or `x.get(KEY, ...)` anywhere."""
    for each in ast.walk(node):
        if isinstance(each, ast.Subscript) and text(each.slice) == key:
            return True
        if isinstance(each, ast.Call) and isinstance(each.func, ast.Attribute):
            if each.func.attr == "get" and each.args and text(each.args[0]) == key:
                return True
    return False


def pairs(left, right):
    """The pairs a comparison compares: element by element for two literals of one length."""
    sequences = (ast.Tuple, ast.List)
    if isinstance(left, sequences) and isinstance(right, sequences):
        starred = any(isinstance(e, ast.Starred) for e in [*left.elts, *right.elts])
        if len(left.elts) == len(right.elts) and not starred:
            for a, b in zip(left.elts, right.elts, strict=True):
                yield from pairs(a, b)
            return
    yield left, right


def compared(tree):
    """Every (one side, other side) pair that a comparison in TREE compares, both ways round."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for a, b in zip(sides, sides[1:], strict=False):
                for left, right in pairs(a, b):
                    yield left, right
                    yield right, left


def constants(node, kind=str):
    """Every constant of KIND inside NODE."""
    return [
        each.value
        for each in ast.walk(node)
        if isinstance(each, ast.Constant) and type(each.value) is kind
    ]


def parametrized(tree, argument):
    """The values a `pytest.mark.parametrize` in TREE gives ARGUMENT, as nodes."""
    assigned = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("parametrize")):
            continue
        names = [name.strip() for name in (text(node.args[0]) or "").split(",")]
        if argument not in names or len(node.args) < 2:
            continue
        values = node.args[1]
        values = assigned.get(values.id, values) if isinstance(values, ast.Name) else values
        for value in getattr(values, "elts", []):
            if isinstance(value, ast.Call) and ast.unparse(value.func).endswith("param"):
                value = ast.Tuple(elts=value.args)
            elts = value.elts if isinstance(value, ast.Tuple) else [value]
            if len(elts) == len(names):
                yield elts[names.index(argument)]


# What the tests use, by kind ------------------------------------------------------------------


def used(found, name, term):
    """Note that test file NAME uses TERM."""
    found.setdefault(term, name)


def error_codes(sources):
    """Codes in error frames: {"error": code}, frame["error"] == code, a `code` parameter."""
    found = {}
    for name, tree in sources.trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and text(key) == "error" and text(value):
                        used(found, name, text(value))
        for side, other in compared(tree):
            if subscripts(side, "error") and not subscripts(other, "error"):
                for code in constants(other):
                    used(found, name, code)
        for value in parametrized(tree, "code"):
            if text(value):
                used(found, name, text(value))
    return {code: where for code, where in found.items() if CODE.fullmatch(code)}


def frame_types(sources):
    """The "type" of every frame and channel-layer event the tests send or expect."""
    found = {}
    for name, tree in sources.trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and text(key) == "type" and text(value):
                        used(found, name, text(value))
        for side, other in compared(tree):
            if subscripts(side, "type") and not subscripts(other, "type"):
                for kind in constants(other):
                    used(found, name, kind)
    return {kind: where for kind, where in found.items() if not ASGI_TYPE.match(kind)}


def names_a_code(node):
    """Whether NODE reads a close code: a name or attribute with "code" in it."""
    for each in ast.walk(node):
        if isinstance(each, ast.Name) and "code" in each.id:
            return True
        if isinstance(each, ast.Attribute) and "code" in each.attr:
            return True
    return False


def close_codes(sources):
    """Close codes the tests expect or send: {"code": N}, x.code == N, connect() == (False, N)."""
    found = {}
    for name, tree in sources.trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and text(key) == "code":
                        for code in constants(value, int):
                            used(found, name, code)
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                refused, code = node.elts
                if isinstance(refused, ast.Constant) and refused.value is False:
                    for each in constants(code, int):
                        used(found, name, each)
        for side, other in compared(tree):
            if names_a_code(side):
                for code in constants(other, int):
                    used(found, name, code)
    for name, string in sources.strings():
        for code in re.findall(r"\bclose\((\d{4})\)|\(code (\d{4})\)", string):
            used(found, name, int("".join(code)))
    return {code: where for code, where in found.items() if code in CLOSE_CODES}


def paths(sources):
    """URL paths the tests request (an f-string's fields as {}), queries included."""
    found = {}
    for name, string in sources.strings():
        match = PATH.match(string)
        if match and not string.startswith("//"):
            used(found, name, match[1])
    return found


def imported_names(sources):
    """The step's own modules and names the tests import, use, patch or name in a string."""
    found = {}
    own = sources.packages | {script.removesuffix(".py") for script in sources.scripts}
    for name, tree in sources.trees.items():
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in own:
                for alias in node.names:
                    used(found, name, f"{node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in own:
                        used(found, name, alias.name)
                        modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                # monkeypatch.setattr(chat.consumers, "clean_message", ...): the code looks the
                # name up in that module when it runs, so the module must hold it by that name.
                if node.func.attr in ("setattr", "object") and len(node.args) >= 2:
                    module, attribute = ast.unparse(node.args[0]), text(node.args[1])
                    if attribute and sources.module_exists(module):
                        used(found, name, f"{module}.{attribute}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and ast.unparse(node.value) in modules:
                used(found, name, f"{ast.unparse(node.value)}.{node.attr}")
    for name, string in sources.strings():
        dotted = re.fullmatch(r"([a-z_]\w*(?:\.\w+)+)(?::(\w+))?", string)
        if dotted and dotted[1].split(".")[0] in own and sources.module_exists(dotted[1]):
            used(found, name, ".".join(filter(None, dotted.groups())))
    return found


def model_fields(sources):
    """Fields of the step's own models that the tests fill in: Model(field=...), create(...)."""
    models = {
        term.rsplit(".", 1)[1]
        for term in imported_names(sources)
        if ".models." in term and term.rsplit(".", 1)[1][:1].isupper()
    }
    found = {}
    for name, node in sources.walk():
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            if any(called == model or called.startswith(f"{model}.objects.") for model in models):
                for keyword in node.keywords:
                    if keyword.arg and keyword.arg.split("__")[0] not in ("pk", "id"):
                        used(found, name, keyword.arg.split("__")[0])
    return found


def commands(sources):
    """The step's own management commands the tests run."""
    found = {}
    for name, string in sources.strings():
        if string in sources.commands:
            used(found, name, string)
    return found


def script_options(sources):
    """The step's own scripts the tests run (compare.py...), and the options they pass."""
    found = {}
    for name, tree in sources.trees.items():
        runners = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                scripts = [s for s in constants(node) if s in sources.scripts]
                if scripts:
                    runners[node.name] = scripts[0]
        for node in ast.walk(tree):
            script = None
            if isinstance(node, ast.Call) and ast.unparse(node.func) in runners:
                script = runners[ast.unparse(node.func)]
            elif isinstance(node, ast.List):
                script = next((s for s in constants(node) if s in sources.scripts), None)
            if script:
                used(found, name, script)
                for option in constants(node):
                    if re.fullmatch(r"--[a-z][a-z-]*", option):
                        used(found, name, f"{script} {option}")
    return found


def settings_read(sources):
    """Settings the tests read or set: settings.X, override_settings(X=...), a settings dict's X."""
    found = {}
    for name, node in sources.walk():
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "settings" and node.attr.isupper():
                used(found, name, node.attr)
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("override_settings"):
            for keyword in node.keywords:
                used(found, name, keyword.arg)
        elif isinstance(node, ast.Subscript) and re.fullmatch(
            r"[A-Z][A-Z0-9_]+", text(node.slice) or ""
        ):
            key = text(node.slice)
            if key in sources.settings or "settings" in ast.unparse(node.value):
                used(found, name, key)
    return found


def environment(sources):
    """Environment variables that the tests set or read and the step's own code reads."""
    found = {}
    for name, node in sources.walk():
        candidates = []
        if isinstance(node, ast.Dict):
            candidates = [text(key) for key in node.keys if key is not None]
        elif isinstance(node, ast.Subscript):
            candidates = [text(node.slice)]
        elif isinstance(node, ast.Call):
            candidates = [keyword.arg for keyword in node.keywords]
            candidates += [text(arg) for arg in node.args[:1]]
        for candidate in candidates:
            if candidate in sources.environ:
                used(found, name, candidate)
    return found


def page_hooks(sources):
    """Ids and classes the browser and page tests look for: #status, li.message, id="x"."""
    found = {}
    for name, string in sources.strings():
        if SELECTOR.fullmatch(string) and re.match(r"^(#|\.|li\b)", string):
            for each in re.findall(r"#([A-Za-z][\w-]*)", string):
                used(found, name, f"#{each}")
            for each in re.findall(r"\.([A-Za-z][\w-]*)", string):
                used(found, name, f".{each}")
        for each in re.findall(r'\bid="([A-Za-z][\w-]*)"|getElementById\([\'"]([\w-]+)', string):
            used(found, name, "#" + "".join(each))
    for name, node in sources.walk():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "to_have_class" and node.args and text(node.args[0]):
                for each in text(node.args[0]).split():
                    used(found, name, f".{each}")
    return found


def page_functions(sources):
    """What the tests call in the page's JavaScript (retryDelay, live.socket), not their own."""
    scripts = []
    for name, node in sources.walk():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("evaluate", "wait_for_function") and node.args:
                if text(node.args[0]):
                    scripts.append((name, text(node.args[0])))
    declared = set(JS_BUILTINS)
    for _, script in scripts:
        for groups in JS_DECLARED.findall(script):
            for group in groups:
                declared.update(re.findall(r"\w+", group))
    found = {}
    for name, script in scripts:
        for each in re.findall(r"(?<![\w.$'\":])([A-Za-z_$][\w$]*)(?=\s*[.(])", script):
            if each not in declared and each not in ("new", "for", "if", "return"):
                used(found, name, each)
    return found


def files(sources):
    """Files of the step that the tests read or run by path: STEP_DIR / "deploy" / "nginx.conf"."""
    found = {}
    for name, node in sources.walk():
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts = []
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                parts.insert(0, text(node.right))
                node = node.left
            if ast.unparse(node) == "STEP_DIR" and all(parts):
                path = "/".join(parts)
                if (sources.step / path).is_file() and path not in READ_BY_CHECK:
                    used(found, name, path)
    return found


def loggers(sources):
    """Loggers whose lines the tests look for in a server's log ("WARNING name: ...")."""
    found = {}
    for name, string in sources.strings():
        for line in string.splitlines():
            if match := LOG_LINE.match(line):
                used(found, name, match[1])
    return found


# Reading a Contract section ------------------------------------------------------------------


def contract(step):
    """The text of STEP's README's Contract section (the test fails when there is none)."""
    readme = (step / "README.md").read_text(encoding="utf-8")
    if f"\n{HEADING}\n" not in readme:
        pytest.fail(f"{step.name}/README.md has no {HEADING!r} section")
    return readme.split(f"\n{HEADING}\n", 1)[1].split("\n## ", 1)[0]


def code_spans(section):
    """The text of every `code span` in SECTION."""
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", section)]


def path_patterns(section):
    """The URL paths a section names in code spans, as regular expressions for whole paths.

    `/ws/chat/<room>/` matches /ws/chat/lobby/; a query (`?after=<id>`) is left off the path.
    """
    patterns = []
    for span in code_spans(section):
        for path in re.findall(r"(?:^|[\s(]|://[^/\s]+)(/[^\s`)]*)", span):
            path = path.split("?")[0].rstrip(".,;")
            pattern = re.escape(path)
            pattern = re.sub(r"<[^>]+>", "[^/?#]+", pattern.replace(r"\<", "<").replace(r"\>", ">"))
            patterns.append(re.compile(pattern))
    return patterns


def word(section, term):
    """Whether TERM stands in SECTION as a word of its own (not part of a longer name)."""
    return re.search(rf"(?<![\w.#-]){re.escape(str(term))}(?![\w-])", section) is not None


def path_is_named(section, path):
    """Whether a path the tests use matches a path the section names, its query keys included."""
    route, _, query = path.partition("?")
    route = route.replace("{}", "x")
    if not any(pattern.fullmatch(route) for pattern in path_patterns(section)):
        return False
    keys = re.findall(r"(?:^|&)([A-Za-z_]\w*)(?==|&|$)", query)
    return all(f"{key}=" in section for key in keys)


def name_is_named(section, dotted):
    """`chat.rooms.room_group_name`, or its module (dotted or as a path) and `room_group_name`."""
    if word(section, dotted):
        return True
    module, _, attribute = dotted.replace(":", ".").rpartition(".")
    path = module.replace(".", "/") + ".py"
    return bool(module) and (word(section, module) or path in section) and word(section, attribute)


KINDS = {
    "error code": (error_codes, lambda section, code: f"`{code}`" in section),
    "frame type": (frame_types, lambda section, kind: f'"{kind}"' in section),
    "close code": (close_codes, word),
    "URL": (paths, path_is_named),
    "imported name": (imported_names, name_is_named),
    "model field": (model_fields, word),
    "management command": (commands, word),
    "script or option": (script_options, lambda section, term: all(
        word(section, part) for part in term.split()
    )),
    "setting": (settings_read, word),
    "environment variable": (environment, word),
    "page id or class": (page_hooks, lambda section, hook: hook in section or (
        hook.startswith("#") and f'id="{hook[1:]}"' in section
    )),
    "page function": (page_functions, word),
    "file": (files, lambda section, path: path in section),
    "logger": (loggers, word),
}  # fmt: skip


@functools.cache
def sources_of(step):
    """STEP's tests, parsed once for every kind of term."""
    return Sources(step)


def missing(step, kind):
    """The terms of KIND that STEP's tests use and its Contract section lacks, as sentences."""
    collect, named = KINDS[kind]
    section = contract(step)
    ignored = NOT_THE_STEPS.get(kind, {})
    return [
        f"{term} (used in tests/{where})"
        for term, where in sorted(collect(sources_of(step)).items(), key=lambda item: str(item[0]))
        if str(term) not in ignored and not named(section, term)
    ]


@pytest.mark.parametrize("step", STEPS, ids=[step.name for step in STEPS])
def test_readme_has_a_contract_section(step):
    """Every step README has a Contract section, just before Test it."""
    readme = (step / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## .*$", readme)
    assert HEADING in headings, f"{step.name}/README.md has no {HEADING!r} section"
    assert headings[headings.index(HEADING) + 1] == "## Test it"


@pytest.mark.parametrize(
    "step, kind",
    [pytest.param(step, kind, id=f"{step.name}-{kind}") for step in STEPS for kind in KINDS],
)
def test_contract_names_everything_the_tests_use(step, kind):
    """Every term of this kind that the step's tests use is in its README's Contract section."""
    gaps = missing(step, kind)
    assert not gaps, (
        f"{step.name}/README.md's Contract section lacks what its tests use ({kind}): "
        + "; ".join(gaps)
    )


def test_every_kind_finds_something_somewhere():
    """Each kind of term is found in some step's tests: a reader that finds nothing is broken."""
    empty = [
        kind
        for kind, (collect, _) in KINDS.items()
        if not any(collect(sources_of(step)) for step in STEPS)
    ]
    assert empty == []


def term_names():
    """For a person: what each step's tests use, by kind.

    .venv/bin/python -m tests_course.test_contract
    """
    for step in STEPS:
        sources = sources_of(step)
        print(f"== {step.name}")
        for kind, (collect, _) in KINDS.items():
            print(f"  {kind}: {', '.join(sorted(map(str, collect(sources))))}")


if __name__ == "__main__":
    term_names()
