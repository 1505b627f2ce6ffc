"""A minimal Modoboa extension used by the tests of the extension API."""
