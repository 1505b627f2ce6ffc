"""Calendars (1.10's modoboa-radicale): user and shared calendars kept by a
Radicale 3 server, whose rights file and authentication Modoboa provides.
"""
