"""REST API of the limits application: the resources of administrators."""
