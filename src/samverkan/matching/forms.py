from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from samverkan.matching.matchtypes import Catalogue
from samverkan.matching.models import DATASET_TYPE_CHOICES, OUTCOME_CHOICES, STATUS_CHOICES
from samverkan.matching.services import DIRECTIONS
from samverkan.organisations.models import Collaboration, Organisation

REQUIRED = {"required": _("This field is required.")}
DATE_ERRORS = {**REQUIRED, "invalid": _("Enter a date as YYYY-MM-DD.")}
AMOUNT_ERRORS = {
    "invalid": _("Enter a whole number of kronor."),
    "min_value": _("Amounts cannot be negative."),
    "max_digits": _("The amount is too large."),
    "max_decimal_places": _("Enter whole kronor."),
    "max_whole_digits": _("The amount is too large."),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class UploadForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Dataset of"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    dataset_type = forms.ChoiceField(
        label=_("Dataset type"),
        choices=DATASET_TYPE_CHOICES,
        error_messages={**REQUIRED, "invalid_choice": _("Choose a dataset type.")},
    )
    period_start = forms.DateField(
        label=_("Period from"), widget=DateInput(), error_messages=DATE_ERRORS
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=DateInput(), error_messages=DATE_ERRORS
    )
    municipality_code = forms.ChoiceField(
        label=_("Municipality the dataset concerns"),
        choices=[],
        error_messages={**REQUIRED, "invalid_choice": _("Choose a municipality.")},
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Encoded file (from “samverkan match encode”, .json or .json.gz)"),
        error_messages={**REQUIRED, "empty": _("The file is empty.")},
    )

    def __init__(self, *args: Any, owners: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = owners
        code: Any = self.fields["municipality_code"]
        code.choices = [(m.municipality_code, m.name) for m in municipalities]

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        limit = settings.MATCHING_MAX_UPLOAD_MB
        if uploaded.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Pack it with gzip and try again.")
                % {"limit": limit}
            )
        return uploaded


class RunForm(forms.Form):
    collaboration = forms.ModelChoiceField(
        queryset=Collaboration.objects.none(),
        label=_("Collaboration"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose a collaboration.")},
    )
    period_start = forms.DateField(
        label=_("Period from"), widget=DateInput(), error_messages=DATE_ERRORS
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=DateInput(), error_messages=DATE_ERRORS
    )
    match_types = forms.MultipleChoiceField(
        label=_("Match types"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={**REQUIRED, "invalid_choice": _("Choose among the match types listed.")},
    )

    def __init__(
        self, *args: Any, collaborations: Any, catalogue: Catalogue, language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["collaboration"]
        field.queryset = collaborations
        types: Any = self.fields["match_types"]
        types.choices = [(t.key, t.label.get(language)) for t in catalogue.match_types]
        types.initial = [t.key for t in catalogue.match_types]


class MatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *STATUS_CHOICES]
    )
    match_type = forms.ChoiceField(label=_("Match type"), required=False)
    band = forms.ChoiceField(label=_("Score band"), required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args: Any, catalogue: Catalogue, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types: Any = self.fields["match_type"]
        types.choices = [("", _("All"))] + [
            (t.key, t.label.get(language)) for t in catalogue.match_types
        ]
        bands: Any = self.fields["band"]
        bands.choices = [("", _("All"))] + [(b.key, b.label.get(language)) for b in catalogue.bands]


class AssignForm(forms.Form):
    # By user name: user ids count every organisation's accounts.
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        to_field_name="username",
        label=_("Assignee"),
        required=False,
        empty_label=_("Nobody"),
        error_messages={"invalid_choice": _("Choose a case officer of your organisation.")},
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.queryset = users


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages=REQUIRED,
    )


class ExchangeForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Information was"),
        choices=[
            (DIRECTIONS[0], _("given to the counterpart")),
            (DIRECTIONS[1], _("received from the counterpart")),
        ],
        error_messages={**REQUIRED, "invalid_choice": _("Choose given or received.")},
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose a legal basis from the list.")},
    )
    text = forms.CharField(
        label=_("What was exchanged"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages=REQUIRED,
    )

    def __init__(self, *args: Any, catalogue: Catalogue, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["legal_basis"]
        field.choices = [("", "—")] + [
            (b.key, b.label.get(language)) for b in catalogue.legal_bases
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=STATUS_CHOICES,
        error_messages={**REQUIRED, "invalid_choice": _("Choose a status.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"),
        required=False,
        choices=[("", "—"), *OUTCOME_CHOICES],
        error_messages={"invalid_choice": _("Choose an outcome from the list.")},
    )
    amount_recovered = forms.DecimalField(
        label=_("Recovery claimed (SEK)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=0,
        error_messages=AMOUNT_ERRORS,
    )
    amount_stopped = forms.DecimalField(
        label=_("Payments stopped (SEK)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=0,
        error_messages=AMOUNT_ERRORS,
    )
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if choices is not None:
            field: Any = self.fields["status"]
            field.choices = choices


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need to see the record?"), max_length=500, error_messages=REQUIRED
    )


class ReportPeriodForm(forms.Form):
    period_start = forms.DateField(
        label=_("Period from"), widget=DateInput(), required=False, error_messages=DATE_ERRORS
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=DateInput(), required=False, error_messages=DATE_ERRORS
    )
