"""REST API of the admin application: domains, domain aliases, accounts,
aliases and sender addresses.
"""
