"""The writing side of the webmail: compose, reply, forward, drafts, sent
copies, signature, sending through authenticated submission.
"""
