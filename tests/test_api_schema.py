"""The OpenAPI document: valid OpenAPI 3.1, and schemathesis finds no server error through the WSGI app."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from helpdesk.kb import indexing
from tests import factories
from tests.factories import bearer, make_api_token
from tests.test_kb import add_article

EXAMPLES_PER_OPERATION = 10


def test_openapi_document_is_valid_openapi_31(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {"/questions", "/queue", "/articles", "/questions/{reference}/claim"} <= set(document["paths"])


def test_every_operation_documents_the_400_of_a_nul_character_in_its_address(client, world):
    document = client.get("/api/v1/openapi.json").json
    operations = [operation for path in document["paths"].values() for operation in path.values()]
    assert all("400" in operation["responses"] for operation in operations)
    headers = bearer(make_api_token(world.jurist))
    for url in ("/api/v1/queue?q=a%00b", "/api/v1/articles?theme=a%00b", "/api/v1/questions/Q%00/messages"):
        response = client.get(url, headers=headers)
        assert response.status_code == 400
        assert response.json["error"]["message"] == "La requête contient un caractère nul."


def test_every_post_documents_its_idempotency_key(client):
    document = client.get("/api/v1/openapi.json").json
    posts = [operations["post"] for operations in document["paths"].values() if "post" in operations]
    assert sorted(operation["operationId"] for operation in posts) == ["claimQuestion", "createQuestion", "postMessage"]
    for operation in posts:
        header = next(parameter for parameter in operation["parameters"] if parameter["in"] == "header")
        assert header["name"] == "Idempotency-Key" and not header["required"]
        assert "idempotency_key_reused" in header["description"] and "422" in operation["responses"]
    assert "idempotency_key_reused" in document["components"]["schemas"]["Error"]["properties"]["error"][
        "properties"]["code"]["enum"]


@pytest.mark.parametrize("role", ["member", "jurist"])
def test_schemathesis_finds_no_server_error(app, world, role):
    app.config["API_RATE_LIMIT"] = 100_000
    ticket = factories.make_ticket(world.member)
    add_article("cddi-membres", "Le CDDI en pratique", "Durée et renouvellement du CDDI.", visibility="members")
    indexing.sync()
    headers = bearer(make_api_token(getattr(world, role)))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            if "reference" in (case.path_parameters or {}):
                # Random references only meet 404s (tested elsewhere): aim at a real question instead.
                case.path_parameters["reference"] = ticket.reference
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance,
                                                              status_code_conformance])

        run()
