"""The extension API: ``ModoExtension`` and the ``exts_pool`` registry.

An extension is a Django application listed in ``MODOBOA_APPS`` whose
``modo_extension`` module registers a :class:`ModoExtension` subclass.
"""

import importlib

from django.conf import settings
from django.urls import include, path


class ModoExtension:
    """Describe an extension: its name, label, version and hooks."""

    name = None
    label = None
    version = "NA"
    description = ""
    needs_media = False
    always_active = False
    url = None
    topredirection_url = None

    def get_url(self):
        """Return the URL prefix of this extension."""
        return self.url or self.name

    def infos(self):
        """Return a description of this extension as a dictionary."""
        return {
            "name": self.name,
            "label": self.label,
            "version": self.version,
            "description": self.description,
            "url": self.get_url(),
            "topredirection_url": self.topredirection_url,
        }

    def load_initial_data(self):
        """Create the data this extension needs (called by
        ``load_initial_data``).
        """

    def load(self):
        """Called once when the extension is loaded."""


class ExtensionsPool:
    """The registry of known extensions."""

    def __init__(self):
        self.extensions = {}

    def register_extension(self, ext, show=True):
        """Register an extension class."""
        instance = ext()
        self.extensions[instance.name] = {"cls": ext, "instance": instance, "show": show}

    def unregister_extension(self, name):
        self.extensions.pop(name, None)

    def get_extension(self, name):
        entry = self.extensions.get(name)
        return entry["instance"] if entry else None

    def get_extension_infos(self, name):
        instance = self.get_extension(name)
        return instance.infos() if instance else None

    def load_extension(self, name):
        """Import ``<name>.modo_extension`` and call the extension's load."""
        module = "%s.modo_extension" % name
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            return None
        for entry in self.extensions.values():
            if entry["cls"].__module__ == module:
                # Once: an extension may load itself from its AppConfig.ready()
                # (so that commands see its parameters) before urls.py does.
                if not entry.get("loaded"):
                    entry["instance"].load()
                    entry["loaded"] = True
                return entry["instance"]
        return None

    def load_all(self):
        """Load every application of ``MODOBOA_APPS``."""
        for app in getattr(settings, "MODOBOA_APPS", ()):
            self.load_extension(app)

    def list_all(self):
        """Return the description of every visible extension."""
        return [
            entry["instance"].infos()
            for entry in sorted(self.extensions.values(), key=lambda e: e["instance"].name)
            if entry["show"]
        ]

    def get_urls(self, category="app"):
        """Return the URL patterns of the extensions.

        ``app`` gives ``<url>/`` prefixes including ``<ext>.urls`` under the
        extension's namespace; ``api`` includes ``<ext>.urls_api``.
        """
        result = []
        for name, entry in self.extensions.items():
            instance = entry["instance"]
            package = entry["cls"].__module__.rsplit(".", 1)[0]
            module_name = "%s.%s" % (package, "urls" if category == "app" else "urls_api")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            if category == "app":
                result.append(
                    path("%s/" % instance.get_url(), include((module, name), namespace=name))
                )
            else:
                result.append(path("", include(module)))
        return result


exts_pool = ExtensionsPool()
