"""Additions to the generated OpenAPI schema.

drf-spectacular documents the successful answers; this hook adds the error
answers every endpoint can give, with the status codes and bodies of
Modoboa 1.10's API v1 (see ``modoboa.lib.api.exceptions``): 400 for bad
input, a value out of reach, a name already taken or a limit reached, 401
without valid credentials, 403 for a refused action, 404 for an object out
of reach, and 424 when a reseller's pool is too small.
"""

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "description": (
        'An error: {"detail": message}, one entry per field at fault (each a list '
        "of messages, nested for nested objects), or, for a limit reached, the "
        "message alone as a JSON string."
    ),
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": {},
            "example": {"name": ["This field is required."]},
        },
        {"type": "string", "example": "Domains: limit reached"},
    ],
}

_DESCRIPTIONS = {
    "400": (
        "Invalid input: the body names each field at fault (a value out of your reach "
        "or a name already taken too; a domain that does not exist or is out of reach "
        'is named "domain" when creating an account). A limit reached answers 400 '
        'with the message alone as a JSON string ("Mailboxes: limit reached").'
    ),
    "401": "Missing or invalid credentials (send Authorization: Token <key>).",
    "403": "The caller's role may not do this.",
    "404": (
        "No such object within the caller's reach (or no such page); also moving an "
        "account to a domain that does not exist or is out of reach."
    ),
    "424": "Not enough resources left in the reseller's pool.",
}

_WRITE_METHODS = ("post", "put", "patch")


def _codes(path, method):
    codes = ["400", "401", "403", "404"]
    if method in _WRITE_METHODS and "/resources/" in path:
        codes.append("424")
    return codes


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: document the error answers."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/%s" % ERROR_COMPONENT}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _codes(path, method):
                responses.setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
