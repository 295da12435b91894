"""PDF documents rendered from templates with WeasyPrint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def pdf_response(
    request: HttpRequest, template: str, context: dict[str, Any], filename: str
) -> HttpResponse:
    """The template rendered as a PDF download named ``filename``."""
    from weasyprint import HTML

    pdf = HTML(string=render_to_string(template, context, request=request)).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
