"""Quarantine: a front end of the Amavis SQL quarantine (1.10's modoboa-amavis)."""
