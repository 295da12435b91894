from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from samverkan.matching import matchtypes
from samverkan.matching.models import MatchTypeCatalogueVersion


class CatalogueForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MatchTypeCatalogueVersion
        fields = ["document", "note"]
        widgets = {"document": forms.Textarea(attrs={"rows": 40, "class": "code"})}

    def clean_document(self) -> str:
        document: str = self.cleaned_data["document"]
        try:
            matchtypes.parse_catalogue(document)
        except matchtypes.CatalogueError as error:
            raise forms.ValidationError(error.errors) from error
        return document


@admin.register(MatchTypeCatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A new version is saved as a new row; earlier versions stay as they were."""

    form = CatalogueForm
    list_display = ["created_at", "note"]

    def get_changeform_initial_data(self, request: Any) -> dict[str, Any]:
        latest = MatchTypeCatalogueVersion.objects.first()
        return {"document": latest.document if latest else matchtypes.default_text()}

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
