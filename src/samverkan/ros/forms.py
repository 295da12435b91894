from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.models import Organisation
from samverkan.ros.models import PermitStatus, RiskLevel

REQUIRED = {"required": _("This field is required.")}


class PremisesFilterForm(forms.Form):
    q = forms.CharField(label=_("Address, name or property"), required=False, max_length=200)
    municipality = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(type="kommun"),
        label=_("Municipality"),
        required=False,
        empty_label=_("All"),
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), required=False, choices=[("", _("All")), *RiskLevel.choices]
    )
    permit_status = forms.ChoiceField(
        label=_("Permit status"), required=False, choices=[("", _("All")), *PermitStatus.choices]
    )


class ImportForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Register of"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    file = forms.FileField(
        label=_("File (CSV or Excel)"),
        error_messages={**REQUIRED, "empty": _("The file is empty.")},
    )

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.queryset = owners

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("The file must be CSV (.csv) or Excel (.xlsx)."))
        return uploaded


class SignalForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Recorded by"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("tip", _("Tip")),
            ("observation", _("Observation")),
            ("intelligence", _("Intelligence")),
        ],
    )
    observed_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={**REQUIRED, "invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={**REQUIRED, "max_length": _("At most %(limit_value)d characters.")},
    )
    reliability = forms.ChoiceField(label=_("Source reliability"), choices=())
    credibility = forms.ChoiceField(label=_("Information credibility"), choices=())
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=())
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Share with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the organisations you tick can see the signal. The sharing is audited."),
    )

    def __init__(self, *args: Any, owners: Any, partners: Any, **kwargs: Any) -> None:
        from samverkan.cases.forms import CONFIDENTIALITY_CHOICES
        from samverkan.ros import grading

        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["owner"].queryset = owners
        fields["shared_with"].queryset = partners
        lang = "en" if (get_language() or "sv").startswith("en") else "sv"
        fields["reliability"].choices = [
            (r.value, f"{r.value} – {grading.LABELS[r.value][lang]}")
            for r in grading.SourceReliability
        ]
        fields["credibility"].choices = [
            (c.value, f"{c.value} – {grading.LABELS[c.value][lang]}")
            for c in grading.InformationCredibility
        ]
        fields["confidentiality"].choices = CONFIDENTIALITY_CHOICES
        fields["confidentiality"].initial = "begransad"


class ShareForm(forms.Form):
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Shared with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["shared_with"]
        field.queryset = partners
