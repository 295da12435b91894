from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.models import Collaboration, Organisation

REQUIRED = {"required": _("This field is required.")}
MAX = {"max_length": _("At most %(limit_value)d characters.")}
DATE = {**REQUIRED, "invalid": _("Enter a date as YYYY-MM-DD.")}
CHOICE = {**REQUIRED, "invalid_choice": _("Choose one of the listed.")}


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE,
    )


class AgreementForm(forms.Form):
    collaboration = forms.ModelChoiceField(
        queryset=Collaboration.objects.none(), label=_("Collaboration"), error_messages=CHOICE
    )
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={**REQUIRED, **MAX})
    parties = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Parties whose decision is required"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of the listed.")},
    )
    other_parties = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Parties whose decision is not required"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose one of the listed.")},
    )
    joined_on = _date(_("Parties from"))
    period_start = _date(_("Period start"), required=False)
    period_end = _date(_("Period end"), required=False)
    renewal_note = forms.CharField(
        label=_("Renewal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=MAX,
    )
    work_areas = forms.CharField(
        label=_("Work areas"),
        help_text=_("One per line."),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=MAX,
    )

    def __init__(self, *args: Any, collaborations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if collaborations is not None:
            self.fields["collaboration"].queryset = collaborations  # type: ignore[attr-defined]
            members = (
                Organisation.objects.filter(collaborations__in=collaborations, is_active=True)
                .distinct()
                .order_by("name")
            )
            self.fields["parties"].queryset = members  # type: ignore[attr-defined]
            self.fields["other_parties"].queryset = members  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        both = set(data.get("parties") or []) & set(data.get("other_parties") or [])
        if both:
            self.add_error(
                "other_parties", _("A party is either required to decide or not, not both.")
            )
        return data


class DecisionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Party"), error_messages=CHOICE
    )
    decided_on = _date(_("Decided on"))
    body = forms.CharField(
        label=_("Decision-making body"),
        max_length=200,
        help_text=_("For instance Kommunstyrelsen."),
        error_messages={**REQUIRED, **MAX},
    )
    paragraph = forms.CharField(
        label=_("Paragraph reference"),
        max_length=50,
        required=False,
        help_text=_("For instance § 123."),
        error_messages=MAX,
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=MAX,
    )
    document = forms.FileField(
        label=_("Decision document"),
        required=False,
        error_messages={"empty": _("The file is empty.")},
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("New party"), error_messages=CHOICE
    )
    joined_on = _date(_("Party from"))
    required = forms.BooleanField(
        label=_("The agreement is in force only after this party's decision"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class LeaveForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Leaving party"), error_messages=CHOICE
    )
    left_on = _date(_("Left on"))

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class FunctionForm(forms.Form):
    function = forms.CharField(
        label=_("Function"),
        max_length=200,
        help_text=_("For instance Säkerhetschef."),
        error_messages={**REQUIRED, **MAX},
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation"), error_messages=CHOICE
    )
    person_name = forms.CharField(
        label=_("Name"), max_length=200, required=False, error_messages=MAX
    )
    contact = forms.CharField(
        label=_("Work contact"), max_length=200, required=False, error_messages=MAX
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class RequirementForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Party"), error_messages=CHOICE
    )
    required = forms.BooleanField(label=_("Decision required"), required=False)

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
