"""``modo takeover``: the report and the data steps of taking over a
Modoboa 1.10 database (the schema part is ``modoboa.core.takeover``).
"""
