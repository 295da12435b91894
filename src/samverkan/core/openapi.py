"""The OpenAPI description, completed where drf-spectacular cannot see what the API does.

Every operation may answer with the errors that the shared API plumbing produces
(``core.api.exception_handler``, the permission and authentication classes): 400 for
invalid input (field errors, or ``detail``), 401 without valid credentials, 403 for an
action the user may not take, 404 for what the user cannot see (or that does not exist),
and 429 when throttled. The hook documents them once, for every operation, so that
clients (and the Schemathesis run in the test suite) can rely on the schema.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "Error"
ERRORS = {
    "400": "Invalid input: field errors keyed by field name, or a `detail` message.",
    "401": "No valid credentials: sign in, or send a live API token.",
    "403": "Not allowed for your roles (or two-factor sign-in is required).",
    "404": "Not found, or not visible to your organisations.",
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: Any) -> Any:
    """drf-spectacular postprocessing hook: add the shared error responses."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = {
        "type": "object",
        "description": "An error: `detail` for the whole request, or messages per field.",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    }
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
