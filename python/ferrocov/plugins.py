"""coverage.py plugins, loaded as coverage.py loads them.

Each module named in ``[run] plugins`` is imported and its ``coverage_init(registry, options)``
called with the options of its own configuration section (``[covdefaults]``,
``[tool.coverage.covdefaults]``); ``ferrocov.Coverage(plugins=[...])`` calls the given
callables with the registry instead. Configurers then change the settings through
``get_option``/``set_option``, named as coverage.py names them (``"run:branch"``), which is
what configuration plugins (covdefaults, coverage-conditional-plugin) do.

File tracers (Django templates, Cython) and dynamic-context plugins register too, but ferrocov's
cores measure Python code only: each is refused with a warning that names it (their files, or
their contexts, are not recorded). Nothing here is imported unless a plugin is configured.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from ferrocov.config import Config, option_attribute
from ferrocov.exceptions import ConfigError

# coverage.py joins these into the main lists before plugins see them (its post_process):
# a configurer reads and writes the joined list.
_JOINED = {"report:exclude_lines": ("exclude_list", "exclude_also"), "report:partial_branches": ("partial_list", "partial_also")}


class Registry:
    """What ``coverage_init`` registers its plugins with (coverage.py's ``Plugins``)."""

    def __init__(self) -> None:
        self.order: list[Any] = []
        self.names: dict[str, Any] = {}
        self.configurers: list[Any] = []
        self.file_tracers: list[Any] = []
        self.context_switchers: list[Any] = []
        self.current_module: str | None = None

    def add_configurer(self, plugin: Any) -> None:
        self._add(plugin, self.configurers)

    def add_file_tracer(self, plugin: Any) -> None:
        self._add(plugin, self.file_tracers)

    def add_dynamic_context(self, plugin: Any) -> None:
        self._add(plugin, self.context_switchers)

    def add_noop(self, plugin: Any) -> None:
        self._add(plugin, None)

    def _add(self, plugin: Any, kind: list[Any] | None) -> None:
        name = f"{self.current_module}.{type(plugin).__name__}"
        try:
            plugin._coverage_plugin_name = name
            plugin._coverage_enabled = True
        except AttributeError:  # an object that takes no attributes: it keeps its own name
            pass
        self.order.append(plugin)
        self.names[name] = plugin
        if kind is not None:
            kind.append(plugin)

    def __bool__(self) -> bool:
        return bool(self.order)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.order)

    def get(self, plugin_name: str) -> Any:
        return self.names[plugin_name]


class Settings:
    """What a configurer's ``configure`` gets: the settings, by coverage.py's option names."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def get_option(self, option_name: str) -> Any:
        config = self._config
        if option_name == "paths":
            return config.paths
        if option_name in _JOINED:
            main, also = _JOINED[option_name]
            return list(getattr(config, main)) + list(getattr(config, also))
        attribute = option_attribute(option_name)
        if attribute is not None:
            return getattr(config, attribute)
        plugin, _, key = option_name.partition(":")
        if key and plugin in config.plugins:
            return config.plugin_options.get(plugin, {}).get(key)
        raise ConfigError(f"No such option: {option_name!r}")

    def set_option(self, option_name: str, value: Any) -> None:
        config = self._config
        if option_name == "paths":
            config.paths = {name: list(patterns) for name, patterns in dict(value).items()}
            return
        if option_name in _JOINED:
            main, also = _JOINED[option_name]
            setattr(config, main, list(value))
            setattr(config, also, [])
            return
        attribute = option_attribute(option_name)
        if attribute is not None:
            setattr(config, attribute, value)
            return
        plugin, _, key = option_name.partition(":")
        if key and plugin in config.plugins:
            config.plugin_options.setdefault(plugin, {})[key] = value
            return
        raise ConfigError(f"No such option: {option_name!r}")


def load(config: Config, warn: Callable[[str], None], callables: Iterable[Callable[[Registry], None]] | None = None) -> Registry:
    """Load the configured plugins (or call `callables`), run the configurers on `config`, and
    refuse, out loud, the kinds ferrocov can't run."""
    import sys

    registry = Registry()
    if callables is not None:
        for init in callables:
            init(registry)
    else:
        for module in config.plugins:
            registry.current_module = module
            try:
                __import__(module)
            except ImportError as err:
                raise ConfigError(f"Couldn't import the coverage.py plugin {module!r} named in [run] plugins: {err}") from err
            coverage_init = getattr(sys.modules[module], "coverage_init", None)
            if coverage_init is None:
                raise ConfigError(f"Plugin module {module!r} didn't define a coverage_init function")
            coverage_init(registry, dict(config.plugin_options.get(module, {})))
        registry.current_module = None
    for plugin in registry.configurers:
        plugin.configure(Settings(config))
    for plugin in registry.file_tracers:
        warn(
            f"coverage.py plugin {_name(plugin)} is a file tracer, which ferrocov does not support: "
            "the files it would measure (templates, Cython...) are not measured or reported"
        )
    for plugin in registry.context_switchers:
        warn(f"coverage.py plugin {_name(plugin)} sets dynamic contexts, which ferrocov does not support: its contexts are not recorded")
    return registry


def _name(plugin: Any) -> str:
    return str(getattr(plugin, "_coverage_plugin_name", type(plugin).__name__))
