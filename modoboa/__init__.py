"""Modoboa: a mail hosting and management platform built on Django."""

__version__ = "1.10.0"
