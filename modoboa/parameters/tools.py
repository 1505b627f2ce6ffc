"""The parameter registry and the accessors to stored values.

Global parameters live in ``core_localconfig._parameters`` and user-level
parameters in ``core_user._parameters``, both as ``{app: {name: value}}``.
A parameter that was never saved takes the ``initial`` value of its form
field, so defaults are declared once, in the forms.
"""

import copy
import inspect

from modoboa.lib.exceptions import NotFound

LEVELS = ("global", "user")


class Registry:
    """Keeps the parameter forms declared by each application."""

    def __init__(self):
        self._registry = {level: {} for level in LEVELS}

    def add(self, level, formclass, label):
        """Register ``formclass`` (whose ``app`` attribute names the app)."""
        if level not in LEVELS:
            raise ValueError("unknown parameter level: %s" % level)
        self._registry[level][formclass.app] = {
            "label": label,
            "formclass": formclass,
            "defaults": None,
        }

    def clear(self, level=None, app=None):
        """Forget registrations (used by tests)."""
        for lvl in [level] if level else LEVELS:
            if app is None:
                self._registry[lvl].clear()
            else:
                self._registry[lvl].pop(app, None)

    def apps(self, level):
        """Return ``[(app, label)]`` in registration order."""
        return [(app, item["label"]) for app, item in self._registry[level].items()]

    def get_formclass(self, level, app):
        try:
            return self._registry[level][app]["formclass"]
        except KeyError:
            raise NotFound("No %s parameters for application %s" % (level, app)) from None

    def get_label(self, level, app):
        return self._registry[level][app]["label"]

    def exists(self, level, app, parameter=None):
        if app not in self._registry[level]:
            return False
        if parameter is None:
            return True
        return parameter in self.get_defaults(level, app)

    def get_defaults(self, level, app):
        """Return ``{name: default}`` for every stored field of ``app``."""
        entry = self._registry[level].get(app)
        if entry is None:
            raise NotFound("No %s parameters for application %s" % (level, app))
        if entry["defaults"] is None:
            entry["defaults"] = entry["formclass"].declared_defaults()
        return entry["defaults"]

    def get_forms(self, level, *args, **kwargs):
        """Instantiate every registered form of ``level``."""
        user = kwargs.pop("user", None)
        forms = []
        for app, entry in self._registry[level].items():
            formclass = entry["formclass"]
            if user is not None and hasattr(formclass, "has_access"):
                if not formclass.has_access(user):
                    continue
            kwargs_app = dict(kwargs, prefix=app)
            if user is not None:
                kwargs_app["user"] = user
            forms.append(
                {"app": app, "label": entry["label"], "form": formclass(*args, **kwargs_app)}
            )
        return forms


registry = Registry()


def _guess_app():
    """Guess the application name from the caller's module."""
    frame = inspect.currentframe()
    try:
        caller = frame.f_back.f_back
        module = caller.f_globals.get("__name__", "")
    finally:
        del frame
    parts = module.split(".")
    if parts[0] == "modoboa" and len(parts) > 1:
        return parts[1]
    return parts[0]


class _Parameters:
    """Common accessor on a JSON ``{app: {name: value}}`` column."""

    level = None
    field = "_parameters"

    def __init__(self, instance):
        self.instance = instance

    @property
    def _store(self):
        value = getattr(self.instance, self.field)
        if value is None:
            value = {}
            setattr(self.instance, self.field, value)
        return value

    def get_value(self, parameter, app=None, default=None, raise_exception=True):
        app = app or _guess_app()
        stored = self._store.get(app, {})
        if parameter in stored:
            return stored[parameter]
        if registry.exists(self.level, app, parameter):
            return copy.deepcopy(registry.get_defaults(self.level, app)[parameter])
        if raise_exception:
            raise NotFound("Parameter %s.%s does not exist" % (app, parameter))
        return default

    def get_values(self, app=None):
        """Return every value of ``app``, defaults included."""
        app = app or _guess_app()
        values = {}
        if registry.exists(self.level, app):
            values.update(copy.deepcopy(registry.get_defaults(self.level, app)))
        values.update(self._store.get(app, {}))
        return values

    def get_values_dict(self, app=None):
        return self.get_values(app)

    def set_value(self, parameter, value, app=None, save=True):
        app = app or _guess_app()
        if not registry.exists(self.level, app, parameter):
            raise NotFound("Parameter %s.%s does not exist" % (app, parameter))
        section = self._store.setdefault(app, {})
        if not section:
            section.update(copy.deepcopy(registry.get_defaults(self.level, app)))
        section[parameter] = value
        if save:
            self.save()

    def set_values(self, values, app=None, save=True):
        app = app or _guess_app()
        section = self._store.setdefault(app, {})
        if registry.exists(self.level, app):
            for name, default in registry.get_defaults(self.level, app).items():
                section.setdefault(name, copy.deepcopy(default))
        section.update(values)
        if save:
            self.save()

    def save(self):
        self.instance.save(update_fields=[self.field])


class GlobalParameters(_Parameters):
    level = "global"


class UserParameters(_Parameters):
    level = "user"


def get_localconfig():
    """Return this instance's LocalConfig row (cached for the request)."""
    from modoboa.core.models import LocalConfig
    from modoboa.lib.middleware import get_current_request

    request = get_current_request()
    if request is not None:
        localconfig = getattr(request, "localconfig", None)
        if localconfig is not None:
            return localconfig
    localconfig = LocalConfig.objects.first()
    if localconfig is None:
        from modoboa.core.services import ensure_localconfig

        localconfig = ensure_localconfig()
    if request is not None:
        request.localconfig = localconfig
    return localconfig


def get_global_parameter(name, app=None, raise_exception=True):
    """Return the value of the global parameter ``name`` of ``app``."""
    app = app or _guess_app()
    return get_localconfig().parameters.get_value(name, app=app, raise_exception=raise_exception)


def get_global_parameters(app, **kwargs):
    """Return every global parameter of ``app``."""
    return get_localconfig().parameters.get_values(app)


def set_global_parameter(name, value, app=None):
    app = app or _guess_app()
    get_localconfig().parameters.set_value(name, value, app=app)
