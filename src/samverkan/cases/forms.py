from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.cases.models import STATUS_CHOICES
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Confidentiality

CONFIDENTIALITY_CHOICES = [
    (Confidentiality.INTERNAL.value, _("Internal")),
    (Confidentiality.RESTRICTED.value, _("Restricted")),
    (Confidentiality.CONFIDENTIAL.value, _("Confidential")),
]

REQUIRED = {"required": _("This field is required.")}


class CaseForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Owning organisation"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={**REQUIRED, "max_length": _("At most %(limit_value)d characters.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=CONFIDENTIALITY_CHOICES,
        initial=Confidentiality.INTERNAL.value,
        error_messages={**REQUIRED, "invalid_choice": _("Choose a confidentiality level.")},
    )
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Share with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the partner organisations.")},
        help_text=_("Only the organisations you tick can see the case."),
    )

    def __init__(
        self,
        *args: Any,
        owners: Any,
        partners: Any,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field: Any = self.fields["owner"]
        shared_field: Any = self.fields["shared_with"]
        owner_field.queryset = owners
        shared_field.queryset = partners
        if editing:
            del self.fields["owner"]
            del self.fields["shared_with"]


class ShareForm(forms.Form):
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Shared with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the partner organisations.")},
    )

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["shared_with"]
        field.queryset = partners


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=STATUS_CHOICES,
        error_messages={**REQUIRED, "invalid_choice": _("Choose a status.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=500,
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )


class PersonForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={**REQUIRED, "max_length": _("At most %(limit_value)d characters.")},
    )
    person_number = forms.CharField(
        label=_("Personal identity number"),
        required=False,
        max_length=13,
        help_text=_("YYYYMMDD-NNNN. Co-ordination numbers are accepted."),
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )
    role = forms.CharField(
        label=_("Role in the case"),
        required=False,
        max_length=100,
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the look-up"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit log together with your name."),
        error_messages={
            **REQUIRED,
            "min_length": _("Describe the purpose in at least %(limit_value)d characters."),
            "max_length": _("At most %(limit_value)d characters."),
        },
    )


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *STATUS_CHOICES]
    )
