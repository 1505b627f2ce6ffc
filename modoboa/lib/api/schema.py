"""Additions to the generated OpenAPI schema.

drf-spectacular documents the successful answers; this hook adds the error
answers every endpoint can give, so clients (and the contract fuzzing) know
them: 400 for bad input, 401 without valid credentials, 403 for a refused
action, 404 for an object out of reach, 409 for a conflict and 424 when a
reseller's pool is too small.
"""

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'An error. Either {"detail": message} or one entry per field at fault, '
        "each holding a list of messages (nested for nested objects)."
    ),
    "additionalProperties": {},
    "example": {"name": ["This field is required."]},
}

_DESCRIPTIONS = {
    "400": "Invalid input: the body names each field at fault.",
    "401": "Missing or invalid credentials (send Authorization: Token <key>).",
    "403": "The caller's role may not do this, or a limit is reached.",
    "404": "No such object within the caller's reach (or no such page).",
    "409": "The object conflicts with an existing one (name or address taken).",
    "424": "Not enough resources left in the reseller's pool.",
}

_WRITE_METHODS = ("post", "put", "patch")


def _codes(path, method):
    codes = ["400", "401", "403", "404"]
    if method in _WRITE_METHODS:
        codes.append("409")
        if "/resources/" in path:
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
