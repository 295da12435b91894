"""Configuration of the ROS module: kinds of activity and the risk indicators' weights
and thresholds. Changes are audited from the admin's change log; scores are recomputed
by ``samverkan ros recompute-risk`` or the next import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from samverkan.ros import risk, toolbox
from samverkan.ros.models import ActivityKind, LegalToolboxVersion, RiskIndicatorSetting


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "key", "cash_intensive", "required_permits"]


class RiskIndicatorForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RiskIndicatorSetting
        fields = ["key", "enabled", "weight", "params"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = data.get("key")
        if key and key not in risk.INDICATOR_KEYS:
            self.add_error(
                "key",
                _("Unknown indicator. Known: %(keys)s") % {"keys": ", ".join(risk.INDICATOR_KEYS)},
            )
            return data
        try:
            risk.IndicatorConfig(
                key or "", float(data.get("weight") or 0), True, data.get("params") or {}
            )
        except (TypeError, ValueError) as error:
            self.add_error("params", str(error))
        return data


@admin.register(RiskIndicatorSetting)
class RiskIndicatorSettingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = RiskIndicatorForm
    list_display = ["key", "enabled", "weight", "params"]


class LegalToolboxForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = LegalToolboxVersion
        fields = ["document", "note"]
        widgets = {"document": forms.Textarea(attrs={"rows": 40, "class": "code"})}

    def clean_document(self) -> str:
        document: str = self.cleaned_data["document"]
        try:
            toolbox.parse_toolbox(document)
        except toolbox.ToolboxError as error:
            raise forms.ValidationError(error.errors) from error
        return document


@admin.register(LegalToolboxVersion)
class LegalToolboxVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A new version is saved as a new row; earlier versions stay as they were."""

    form = LegalToolboxForm
    list_display = ["created_at", "note"]

    def get_changeform_initial_data(self, request: Any) -> dict[str, Any]:
        latest = LegalToolboxVersion.objects.first()
        document = latest.document if latest else toolbox.to_yaml(toolbox.load_default())
        return {"document": document}

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
