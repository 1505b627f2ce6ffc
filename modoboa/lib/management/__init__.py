"""What the management commands of every app share."""


def sentence(error):
    """The error (or text) as one sentence, for a command's error line:
    white space folded, one full stop at the end, never two.
    """
    text = " ".join(str(error).split())
    return text if text.endswith((".", "?", "!")) else text + "."
