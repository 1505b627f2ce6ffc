"""Sphinx configuration of the Modoboa documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

from modoboa import __version__  # noqa: E402

project = "Modoboa"
author = "The Modoboa reimplementation developers"
copyright = "2026, %s" % author  # noqa: A001
version = release = __version__

extensions = []
templates_path = []
exclude_patterns = ["_build"]
source_suffix = ".rst"
root_doc = "index"
language = "en"

html_theme = "furo"
html_title = "Modoboa %s" % __version__
html_static_path = ["_static"]
