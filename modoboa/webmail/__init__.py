"""The webmail (1.10's modoboa-webmail): users read and write their mail in
the console, over the real IMAP server (Dovecot, through the panel's master
user) and authenticated submission.

This package holds the reading side (folders, message lists, reading,
attachments, the API of folders and messages); ``compose`` holds the
writing side (compose, reply, forward, drafts, sent copies, signature).
"""
