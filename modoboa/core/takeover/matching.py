"""Matching named objects (indexes, constraints) of a taken-over table with
those of a fresh install by their definition, shared by the engines'
conform modules: a name kept, an object renamed, one created.
"""


def match_by_definition(actual, reference):
    """Compare ``actual`` and ``reference`` (``{(table, name): definition}``).

    Return ``(steps, kept)``. ``steps`` follows the reference's
    sorted keys: ``("keep", key, None)`` when the object is there as it
    should be; ``("rename", key, old_key)`` when an object of the same
    definition, unknown to the reference, can take the name;
    ``("create", key, replaced)`` otherwise, ``replaced`` telling whether an
    object of that name but another definition must go first.
    ``kept``: the keys of ``actual`` that stay (under their name or
    renamed); every other object of ``actual`` that is not in the reference
    is to be dropped.
    """
    by_definition = {}
    for key, definition in actual.items():
        by_definition.setdefault((key[0], definition), []).append(key)
    kept, steps = set(), []
    for key, definition in sorted(reference.items()):
        if actual.get(key) == definition:
            kept.add(key)
            steps.append(("keep", key, None))
            continue
        candidates = [
            other
            for other in by_definition.get((key[0], definition), [])
            if other not in reference and other not in kept
        ]
        if candidates:
            kept.add(candidates[0])
            steps.append(("rename", key, candidates[0]))
        else:
            steps.append(("create", key, key in actual))
    return steps, kept
