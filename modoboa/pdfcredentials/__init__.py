"""Credentials documents (1.10's modoboa-pdfcredentials): a PDF that tells a
new user where its console is, its username and how to set its password.
"""
