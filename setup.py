"""Packaging of Modoboa: ``pip install .`` installs the ``modoboa`` package and
the ``modoboa-admin.py`` command.
"""

import os

from setuptools import find_namespace_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_requirements(name):
    """Return the requirement lines of ``name`` (comments and options skipped)."""
    with open(os.path.join(HERE, name), encoding="utf-8") as fp:
        return [line.strip() for line in fp if line.strip() and not line.startswith(("#", "-"))]


def read_version():
    namespace = {}
    with open(os.path.join(HERE, "modoboa", "__init__.py"), encoding="utf-8") as fp:
        exec(fp.read(), namespace)  # noqa: S102 - our own version file
    return namespace["__version__"]


with open(os.path.join(HERE, "README.md"), encoding="utf-8") as fp:
    LONG_DESCRIPTION = fp.read()

setup(
    name="modoboa",
    version=read_version(),
    description="Mail hosting and management platform with a modern web console",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    license="ISC",
    python_requires=">=3.11",
    # Namespace packages: the folders of templates, static files and
    # configuration templates are package data of their own, declared.
    packages=find_namespace_packages(include=["modoboa", "modoboa.*"]),
    py_modules=["modoboa_admin"],
    include_package_data=True,
    zip_safe=False,
    install_requires=read_requirements("requirements.txt"),
    entry_points={"console_scripts": ["modoboa-admin.py = modoboa_admin:main"]},
    classifiers=[
        "Development Status :: 5 - Production/Stable",
        "Environment :: Web Environment",
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Intended Audience :: System Administrators",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Topic :: Communications :: Email",
        "Topic :: Internet :: WWW/HTTP :: Dynamic Content",
    ],
)
