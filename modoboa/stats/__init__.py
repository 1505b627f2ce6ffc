"""Statistics and message log (1.10's modoboa-stats): traffic counters and a
delivery log fed by ``manage.py logparser`` from Postfix's log.
"""
