"""Configuration, read the way coverage.py reads it.

Files, in coverage.py's order: ``--rcfile`` (or ``COVERAGE_RCFILE``), else the first of
``.coveragerc``, ``setup.cfg`` (``[coverage:*]``), ``tox.ini`` (``[coverage:*]``) and
``pyproject.toml`` (``[tool.coverage.*]``) that holds coverage settings.
"""

from __future__ import annotations

import os
import re
import sys
TYPE_CHECKING = False  # typing is not imported at start: annotations only
if TYPE_CHECKING:
    from typing import Any, Callable

# The default exclusions of the coverage.py ferrocov matches on this version (7.18, or 7.16
# on 3.10, whose TYPE_CHECKING pattern is not anchored: the anchored one, with its leading
# \s*, also marks blank lines before the `if`).
DEFAULT_EXCLUDE = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:" if sys.version_info >= (3, 11) else r"if (typing\.)?TYPE_CHECKING:",
]


def _join_regex(patterns: list[str]) -> str:
    if not patterns:
        return ""
    if len(patterns) == 1:
        return patterns[0]
    return "|".join(f"(?:{p})" for p in patterns)


# The partial-branch defaults of the coverage.py ferrocov matches on this version (7.18, or
# 7.16 on 3.10, before the patterns were anchored at the start of the statement).
DEFAULT_PARTIAL = [r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"]
if sys.version_info >= (3, 11):
    DEFAULT_PARTIAL_ALWAYS = [r"^\s*while (True|1|False|0):", r"^\s*if (True|1|False|0):"]
else:
    DEFAULT_PARTIAL_ALWAYS = ["while (True|1|False|0):", "if (True|1|False|0):"]


from ferrocov.exceptions import ConfigError, to_stderr  # noqa: E402  (ConfigError re-exported: ferrocov.config.ConfigError)


# attribute, "section:option", kind
OPTIONS: list[tuple[str, str, str]] = [
    ("branch", "run:branch", "boolean"),
    ("command_line", "run:command_line", "str"),
    ("concurrency", "run:concurrency", "list"),
    ("context", "run:context", "str"),
    ("core", "run:core", "str"),
    ("cover_pylib", "run:cover_pylib", "boolean"),
    ("data_file", "run:data_file", "file"),
    ("debug", "run:debug", "list"),
    ("debug_file", "run:debug_file", "file"),
    ("disable_warnings", "run:disable_warnings", "list"),
    ("dynamic_context", "run:dynamic_context", "str"),
    ("parallel", "run:parallel", "boolean"),
    ("patch", "run:patch", "list"),
    ("plugins", "run:plugins", "list"),
    ("relative_files", "run:relative_files", "boolean"),
    ("run_include", "run:include", "list"),
    ("run_omit", "run:omit", "list"),
    ("sigterm", "run:sigterm", "boolean"),
    ("source", "run:source", "list"),
    ("source_pkgs", "run:source_pkgs", "list"),
    ("source_dirs", "run:source_dirs", "list"),
    ("timid", "run:timid", "boolean"),
    ("exclude_list", "report:exclude_lines", "regexlist"),
    ("exclude_also", "report:exclude_also", "regexlist"),
    ("fail_under", "report:fail_under", "float"),
    ("format", "report:format", "str"),
    ("ignore_errors", "report:ignore_errors", "boolean"),
    ("include_namespace_packages", "report:include_namespace_packages", "boolean"),
    ("partial_always_list", "report:partial_branches_always", "regexlist"),
    ("partial_list", "report:partial_branches", "regexlist"),
    ("partial_also", "report:partial_also", "regexlist"),
    ("precision", "report:precision", "int"),
    ("report_contexts", "report:contexts", "list"),
    ("report_include", "report:include", "list"),
    ("report_omit", "report:omit", "list"),
    ("show_missing", "report:show_missing", "boolean"),
    ("skip_covered", "report:skip_covered", "boolean"),
    ("skip_empty", "report:skip_empty", "boolean"),
    ("sort", "report:sort", "str"),
    ("extra_css", "html:extra_css", "str"),
    ("html_dir", "html:directory", "file"),
    ("html_skip_covered", "html:skip_covered", "boolean"),
    ("html_skip_empty", "html:skip_empty", "boolean"),
    ("html_title", "html:title", "str"),
    ("show_contexts", "html:show_contexts", "boolean"),
    ("xml_output", "xml:output", "file"),
    ("xml_package_depth", "xml:package_depth", "int"),
    ("json_output", "json:output", "file"),
    ("json_pretty_print", "json:pretty_print", "boolean"),
    ("json_show_contexts", "json:show_contexts", "boolean"),
    ("lcov_output", "lcov:output", "file"),
    ("lcov_line_checksums", "lcov:line_checksums", "boolean"),
]


def option_attribute(option_name: str) -> str | None:
    """The `Config` attribute of a coverage.py option name ("run:branch"), or None."""
    for attribute, spec, _ in OPTIONS:
        if spec == option_name:
            return attribute
    return None


class Config:
    """Every setting, with coverage.py's defaults. A plain class: no dataclasses import at
    start-up, which every measured child process would pay for."""

    def __init__(self) -> None:
        self.branch: bool = False
        self.command_line: str | None = None
        self.concurrency: list[str] = list()
        self.context: str | None = None
        self.core: str | None = None
        self.cover_pylib: bool = False
        self.data_file: str = ".coverage"
        self.debug: list[str] = list()
        self.debug_file: str | None = None
        self.disable_warnings: list[str] = list()
        self.dynamic_context: str | None = None
        self.parallel: bool = False
        self.patch: list[str] = list()
        self.plugins: list[str] = list()
        self.relative_files: bool = False
        self.run_include: list[str] = list()
        self.run_omit: list[str] = list()
        self.sigterm: bool = False
        self.source: list[str] = list()
        self.source_pkgs: list[str] = list()
        self.source_dirs: list[str] = list()
        self.timid: bool = False
        self.exclude_list: list[str] = list(DEFAULT_EXCLUDE)
        self.exclude_also: list[str] = list()
        self.fail_under: float = 0.0
        self.format: str | None = None
        self.ignore_errors: bool = False
        self.include_namespace_packages: bool = False
        self.partial_always_list: list[str] = list(DEFAULT_PARTIAL_ALWAYS)
        self.partial_list: list[str] = list(DEFAULT_PARTIAL)
        self.partial_also: list[str] = list()
        self.precision: int = 0
        self.report_contexts: list[str] = list()
        self.report_include: list[str] = list()
        self.report_omit: list[str] = list()
        self.show_missing: bool = False
        self.skip_covered: bool = False
        self.skip_empty: bool = False
        self.sort: str | None = None
        self.extra_css: str | None = None
        self.html_dir: str = "htmlcov"
        self.html_skip_covered: bool | None = None
        self.html_skip_empty: bool | None = None
        self.html_title: str = "Coverage report"
        self.show_contexts: bool = False
        self.xml_output: str = "coverage.xml"
        self.xml_package_depth: int = 99
        self.json_output: str = "coverage.json"
        self.json_pretty_print: bool = False
        self.json_show_contexts: bool = False
        self.lcov_output: str = "coverage.lcov"
        self.lcov_line_checksums: bool = False
        self.paths: dict[str, list[str]] = dict()
        self.config_files_read: list[str] = list()
        #: Each configured plugin's own section (``[covdefaults]``), as its ``coverage_init``
        #: gets it.
        self.plugin_options: dict[str, dict[str, Any]] = dict()
        #: The plugins loaded (a ``ferrocov.plugins.Registry``), when any are configured.
        self.registry: Any = None

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))

    def partial_regex(self) -> str:
        """The partial-branch patterns (`# pragma: no branch`...) joined as coverage.py does."""
        return _join_regex(self.partial_list + self.partial_also + self.partial_always_list)

    def exclude_regex(self) -> str:
        """All exclusion patterns joined into one regex, as coverage.py joins them."""
        return _join_regex(self.exclude_list + self.exclude_also)


_VAR = re.compile(r"\$(?:(?P<dollar>\$)|(?P<word1>\w+)|\{(?P<word2>\w+)(?:-(?P<default>[^}]*))?\})")


def expand_variables(text: str) -> str:
    """``$VAR``, ``${VAR}``, ``${VAR-default}`` and ``$$``, as coverage.py expands them."""

    def substitute(match: re.Match[str]) -> str:
        if match.group("dollar"):
            return "$"
        name = match.group("word1") or match.group("word2")
        if name in os.environ:
            return os.environ[name]
        default = match.group("default")
        return default if default is not None else ""

    return _VAR.sub(substitute, text)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [expand_variables(str(v)) for v in value]
    items: list[str] = []
    for line in str(value).split("\n"):
        for part in line.split(","):
            part = part.strip()
            if part:
                items.append(expand_variables(part))
    return items


def _as_regexlist(value: Any, section: str, option: str) -> list[str]:
    lines = value if isinstance(value, list) else str(value).split("\n")
    out = []
    for line in lines:
        line = str(line).strip()
        if not line:
            continue
        try:
            re.compile(line)
        except re.error as err:
            # coverage.py's words (not wrapped in "Couldn't read config file").
            raise _InvalidRegex(f"Invalid [{section}].{option} value {line!r}: {err}") from err
        out.append(line)
    return out


class _InvalidRegex(ConfigError):
    """A regex in a regex-list setting that does not compile."""


_BOOLEANS = {"1": True, "yes": True, "true": True, "on": True, "0": False, "no": False, "false": False, "off": False}


def _ini_value(kind: str, value: str, section: str, option: str) -> Any:
    """An .ini setting as coverage.py reads it through configparser."""
    if kind not in ("list", "regexlist"):
        value = expand_variables(value)
    if kind == "boolean":
        if value.lower() not in _BOOLEANS:
            # configparser's words, and the setting named.
            raise ValueError(f"Not a boolean: {value!r} for [{section}] {option}")
        return _BOOLEANS[value.lower()]
    if kind == "list":
        return _as_list(value)
    if kind == "regexlist":
        return _as_regexlist(value, section, option)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "file":
        return os.path.expanduser(value)
    return value


_TOML_TYPES = {"boolean": "a boolean", "int": "an integer", "float": "a float", "file": "a string", "list": "a list", "regexlist": "a list"}


def _toml_value(kind: str, value: Any, section: str, option: str) -> Any:
    """A TOML setting as coverage.py reads it: each kind has its type, and a string is
    converted only where coverage.py converts one (a boolean from "true"/"false", a number
    from its text); anything else is an error that names the setting."""

    def wrong(what: str, converting: bool = False) -> ValueError:
        verb = "couldn't convert to" if converting else "is not"
        return ValueError(f"Option [{section}]{option} {verb} {what}: {value!r}")

    if isinstance(value, str):
        value = expand_variables(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value in ("true", "false"):
                return value == "true"
            raise wrong("a boolean", converting=True)
        raise wrong("a boolean")
    if kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise wrong("an integer", converting=True) from None
        raise wrong("an integer")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, bool):
            raise wrong("a float")
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise wrong("a float", converting=True) from None
        raise wrong("a float")
    if kind == "file":
        if not isinstance(value, str):
            raise wrong("a string")
        return os.path.expanduser(value)
    if kind in ("list", "regexlist"):
        if not isinstance(value, list):
            raise wrong("a list")
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"Option [{section}]{option} is not a list of strings: {item!r}")
        items = [expand_variables(item) for item in value]
        if kind == "regexlist":
            return _as_regexlist(items, section, option)
        return items
    # Plain settings are taken as given (coverage.py checks none), as text.
    return value if value is None or isinstance(value, str) else str(value)


def _read_ini(path: str, our_file: bool) -> dict[str, dict[str, str]] | None:
    if not os.path.exists(path):
        return None  # as configparser would say; not importing it saves every run 3 ms
    import configparser

    parser = configparser.RawConfigParser()
    try:
        # utf-8-sig: a file that starts with a byte order mark reads too (coverage.py 7.18).
        read = parser.read(path, encoding="utf-8-sig")
    except configparser.Error as err:
        raise ConfigError(f"Couldn't read config file {path}: {err}") from err
    if not read:
        return None
    sections: dict[str, dict[str, str]] = {}
    for name in parser.sections():
        section = name
        if name.startswith("coverage:"):
            section = name[len("coverage:"):]
        elif not our_file:
            continue
        sections[section] = dict(parser.items(name))
    return sections


def _read_toml(path: str) -> dict[str, dict[str, Any]] | None:
    if not os.path.exists(path):
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError(f"Can't read {path!r} without TOML support: pip install tomli") from None
    try:
        # utf-8-sig: a file that starts with a byte order mark reads too (coverage.py 7.18).
        with open(path, encoding="utf-8-sig") as f:
            document = tomllib.loads(f.read())
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"Couldn't read config file {path}: {err}") from err
    coverage = document.get("tool", {}).get("coverage")
    if not isinstance(coverage, dict):
        return {}
    return {name: value for name, value in coverage.items() if isinstance(value, dict)}


def _apply(config: Config, sections: dict[str, dict[str, Any]], path: str, warn: Callable[[str], None]) -> bool:
    toml = path.endswith(".toml")
    known: dict[str, set[str]] = {}
    any_set = False

    def real(section: str) -> str:
        return f"tool.coverage.{section}" if toml else section

    for attribute, spec, kind in OPTIONS:
        section, option = spec.split(":")
        known.setdefault(section, set()).add(option)
        values = sections.get(section)
        if values is None or option not in values:
            continue
        try:
            if toml:
                value = _toml_value(kind, values[option], real(section), option)
            else:
                value = _ini_value(kind, values[option], section, option)
        except _InvalidRegex:
            raise
        except ValueError as err:
            raise ConfigError(f"Couldn't read config file {path}: {err}") from err
        setattr(config, attribute, value)
        any_set = True
    for section, options in known.items():
        for option in sorted(set(sections.get(section, {})) - options):
            warn(f"Unrecognized option '[{section}] {option}=' in config file {path}")
    for plugin in config.plugins:
        if plugin in sections:
            values = sections[plugin]
            config.plugin_options[plugin] = dict(values) if toml else {k: expand_variables(v) for k, v in values.items()}
    if "paths" in sections:
        for name, value in sections["paths"].items():
            if toml and not isinstance(value, list):
                raise ConfigError(f"Couldn't read config file {path}: Option [{real('paths')}]{name} is not a list: {value!r}")
            config.paths[name] = _as_list(value)
            any_set = True
    return any_set


def read_config(rcfile: str | bool | None = True, warn: Callable[[str], None] | None = None, load_plugins: bool = True) -> Config:
    """Read the configuration. ``rcfile`` is a path, True for the default search, False for none.
    ``load_plugins=False``: the ``[run] plugins`` modules are not loaded (the API's ``plugins``
    argument takes their place)."""
    warn = warn or (lambda message: to_stderr(f"ferrocov: warning: {message}"))
    config = Config()
    if rcfile is True:
        env_rc = os.environ.get("COVERAGE_RCFILE")
        if env_rc:
            rcfile = env_rc
    if isinstance(rcfile, str):
        candidates = [(rcfile, True)]
        if not os.path.exists(rcfile):
            raise ConfigError(f"Couldn't read {rcfile!r} as a config file")
    elif rcfile:
        candidates = [(".coveragerc", True), ("setup.cfg", False), ("tox.ini", False), ("pyproject.toml", False)]
    else:
        candidates = []
    for path, our_file in candidates:
        if path.endswith(".toml"):
            sections = _read_toml(path)
        else:
            sections = _read_ini(path, our_file)
        if sections is None:
            continue
        if _apply(config, sections, path, warn) or (our_file and os.path.exists(path)):
            config.config_files_read.append(os.path.abspath(path))
            break
    env_data_file = os.environ.get("COVERAGE_FILE")
    if env_data_file:
        config.data_file = env_data_file
    post_process(config, warn, load_plugins)
    return config


CONCURRENCY_CHOICES = {"thread", "multiprocessing", "gevent", "greenlet", "eventlet"}
LIGHT_THREADS = {"gevent", "greenlet", "eventlet"}
PATCHES = {"_exit", "execv", "fork", "subprocess"}
CORES = {"ctrace", "pytrace", "sysmon"}


def post_process(config: Config, warn: Callable[[str], None], load_plugins: bool = True) -> None:
    """Check the settings as coverage.py checks them (the same errors for the same bad values),
    and say out loud which ones ferrocov does not honour, and why. Every other setting works as
    in coverage.py (the README's table lists them all)."""
    check_concurrency(config.concurrency)
    for patch in config.patch:
        if patch not in PATCHES:
            raise ConfigError(f"Unknown patch {patch!r}")
    if "subprocess" in config.patch:
        config.parallel = True  # as coverage.py does
    if config.core is not None and config.core not in CORES:
        raise ConfigError(f"Unknown core value: {config.core!r}")
    if config.dynamic_context not in (None, "", "none", "test_function"):
        raise ConfigError(f"Don't understand dynamic_context setting: {config.dynamic_context!r}")
    if config.plugins and load_plugins:
        from ferrocov import plugins

        config.registry = plugins.load(config, warn)
    for message in refusals(config):
        warn(message)


def check_concurrency(values: list[str]) -> None:
    concurrency = set(values)
    unknown = concurrency - CONCURRENCY_CHOICES
    if unknown:
        raise ConfigError(f"Unknown concurrency choices: {', '.join(sorted(unknown))}")
    light = concurrency & LIGHT_THREADS
    if len(light) > 1:
        raise ConfigError(f"Conflicting concurrency settings: {', '.join(sorted(light))}")


def check_concurrency_installed(values: list[str]) -> None:
    """At the start of measurement, as coverage.py checks it: a greenlet library named in
    `concurrency` must be installed. (ferrocov needs nothing of it: its cores record by code
    object, not by thread, so lines run in greenlets are measured whatever the setting says.)"""
    import importlib.util

    for name in sorted(set(values) & LIGHT_THREADS):
        if importlib.util.find_spec(name) is None:
            raise ConfigError(f"Couldn't trace with concurrency={name}, the module isn't installed.")


def refusals(config: Config) -> list[str]:
    """The settings given that ferrocov does not honour, each with why."""
    found = []
    if config.core is not None:
        import sys

        if sys.version_info >= (3, 12) or config.core not in ("ctrace", "pytrace"):
            found.append(f"[run] core = {config.core} is ignored: ferrocov chooses its own core for each Python (ferrocov debug sys)")
        # On 3.10/3.11 ctrace and pytrace choose the trace function over probes for lines.
    if config.timid:
        found.append("[run] timid is ignored: ferrocov has no Python trace function to fall back to")
    if config.debug:
        found.append(f"[run] debug = {', '.join(config.debug)} is not supported: use `ferrocov debug sys|config|data`")
    if config.debug_file:
        found.append("[run] debug_file is not supported: ferrocov writes no debug log")
    return found
