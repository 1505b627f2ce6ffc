"""The API documentation: Swagger UI at /docs/api/ with local assets, the
OpenAPI schema at stable URLs, every operation and field described.
"""

import re

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_swagger_ui_is_public_and_served_without_cdn(db):
    response = APIClient().get("/docs/api/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Modoboa API</title>" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), asset
    for path in re.findall(r'"/sitestatic/([^"?]+)', html):
        assert finders.find(path), path
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_schema_is_served_at_both_stable_urls(schema):
    other = APIClient().get("/docs/api/schema/", {"format": "json"}).json()
    assert other == schema
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Modoboa API"
    yaml = APIClient().get("/api/v1/schema/")
    assert yaml.status_code == 200
    assert b"title: Modoboa API" in yaml.content


def test_schema_documents_token_and_session_authentication(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "cookieAuth" in schemes


ENDPOINTS = (
    "domains",
    "domainaliases",
    "accounts",
    "aliases",
    "senderaddresses",
    "resources",
    "relaydomains",
)


def endpoint_operations(schema):
    """The operations of the administration endpoints (not the token
    exchange, documented on its own).
    """
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.split("/")[3] in ENDPOINTS
        for method, operation in methods.items()
    ]


def referenced_components(schema, node, seen=None):
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        reference = node.get("$ref", "")
        if reference.startswith("#/components/schemas/"):
            name = reference.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                referenced_components(schema, schema["components"]["schemas"][name], seen)
        for value in node.values():
            referenced_components(schema, value, seen)
    elif isinstance(node, list):
        for value in node:
            referenced_components(schema, value, seen)
    return seen


def test_every_operation_has_a_summary_and_error_answers(schema):
    operations = endpoint_operations(schema)
    assert len(operations) == 41
    for path, method, operation in operations:
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)
        assert {"400", "401", "403", "404"} <= set(operation["responses"]), (path, method)
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_every_field_is_described(schema):
    names = referenced_components(schema, [op for _p, _m, op in endpoint_operations(schema)])
    assert {"Domain", "Account", "AccountMailbox", "Alias", "RelayDomain", "Resources"} <= names
    for name in names:
        component = schema["components"]["schemas"][name]
        if name.endswith("Enum") or name.startswith("Paginated") or name == "Error":
            continue
        for field, definition in component.get("properties", {}).items():
            assert definition.get("description"), "%s.%s" % (name, field)


def test_list_answers_are_an_array_or_a_page(schema):
    answer = schema["paths"]["/api/v1/domains/"]["get"]["responses"]["200"]
    reference = answer["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    shapes = schema["components"]["schemas"][reference]["oneOf"]
    assert shapes[0]["type"] == "array"
    assert set(shapes[1]["properties"]) == {"count", "next", "previous", "results"}


def test_error_answers_are_the_ones_api_v1_gives(schema):
    """The schema documents 1.10's answers: no 409 (a taken name is a 400),
    a limit reached as a bare string, 424 only where resources are set.
    """
    error = schema["components"]["schemas"]["Error"]
    assert [shape["type"] for shape in error["oneOf"]] == ["object", "string"]
    for path, method, operation in endpoint_operations(schema):
        responses = operation["responses"]
        assert "409" not in responses, (path, method)
        assert ("424" in responses) == ("/resources/" in path and method in ("put", "patch")), (
            path,
            method,
        )
    create = schema["paths"]["/api/v1/accounts/"]["post"]["responses"]["400"]["description"]
    assert "limit reached" in create and '"domain"' in create
    sender = schema["components"]["schemas"]["SenderAddress"]["properties"]["address"]
    assert "@domain.tld" in sender["description"]
