"""How the API's authentication classes appear in the OpenAPI description."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme, TokenScheme


class VerifiedSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]
    target_class = "samverkan.accounts.api_auth.VerifiedSessionAuthentication"


class ApiTokenScheme(TokenScheme):  # type: ignore[no-untyped-call]
    target_class = "samverkan.accounts.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> Any:
        definition = super().get_security_definition(auto_schema)  # type: ignore[no-untyped-call]
        definition["description"] = (
            "A personal API token from /konto/api-token/: `Authorization: Token <key>`."
        )
        return definition
