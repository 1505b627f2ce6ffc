"""The extensions of Modoboa 1.10 rebuilt inside this package.

1.10 shipped each extension as its own PyPI package (``modoboa-amavis``,
``modoboa-sievefilters``...). Here they are applications of the ``modoboa``
package, still optional: an instance enables one by listing its module in
``MODOBOA_APPS`` (``modoboa-admin.py deploy --extensions NAME`` does it).
Every name a 1.10 postmaster may type is accepted: the short name
(``amavis``), the Python module of 1.10 (``modoboa_amavis``) and the PyPI
name (``modoboa-amavis``).
"""

import importlib.util

# Short name -> module of this package. The order is the one of the menus.
MODULES = {
    "sievefilters": "modoboa.sievefilters",
    "postfix_autoreply": "modoboa.autoreply",
    "amavis": "modoboa.amavis",
    "stats": "modoboa.stats",
    "dmarc": "modoboa.dmarc",
    "webmail": "modoboa.webmail",
    "radicale": "modoboa.radicale",
    "contacts": "modoboa.contacts",
    "imap_migration": "modoboa.imap_migration",
    "pdfcredentials": "modoboa.pdfcredentials",
}

# Other spellings of the same extensions.
ALIASES = {"autoreply": "postfix_autoreply"}


def canonical_name(name):
    """Return the short name of the built-in extension called ``name``
    (any spelling 1.10 used), or None when it is not a built-in one.
    """
    key = name.strip().lower().replace("-", "_")
    if key.startswith("modoboa_"):
        key = key[len("modoboa_") :]
    key = ALIASES.get(key, key)
    return key if key in MODULES else None


def is_present(module):
    """Tell whether the application ``module`` exists in this package."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def available():
    """Return ``{short name: module}`` of the built-in extensions present."""
    return {name: module for name, module in MODULES.items() if is_present(module)}


def module_for(name):
    """Return the module of the built-in extension ``name`` when present."""
    short = canonical_name(name)
    if short is None:
        return None
    module = MODULES[short]
    return module if is_present(module) else None
