from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.core.imports import check_upload_size
from samverkan.organisations.models import Organisation
from samverkan.surveys.models import MIN_CELL_SIZE, QuestionnaireVersion, Wave

REQUIRED = {"required": _("This field is required.")}
TOO_LONG = {"max_length": _("At most %(limit_value)d characters.")}
DATE_ERRORS = {**REQUIRED, "invalid": _("Enter a date such as 2025-12-01.")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodFields(forms.Form):
    """The reference period as two dates; the questions name it in the respondent's
    language (1 december 2025–30 november 2026)."""

    period_start = forms.DateField(
        label=_("Reference period from"),
        widget=DateInput(),
        help_text=_("The first day the questions ask about."),
        error_messages=DATE_ERRORS,
    )
    period_end = forms.DateField(
        label=_("Reference period until"),
        widget=DateInput(),
        help_text=_(
            "The last day the questions ask about. The survey can be opened on this day at "
            "the earliest."
        ),
        error_messages=DATE_ERRORS,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error(
                "period_end", _("The end of the reference period must come after its start.")
            )
        return data


class WaveForm(PeriodFields):
    field_order = [
        "owner",
        "name",
        "slug",
        "questionnaire",
        "partners",
        "period_start",
        "period_end",
    ]
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Organisation running the survey"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    name = forms.CharField(label=_("Name"), max_length=200, error_messages={**REQUIRED, **TOO_LONG})
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_("Used in links and on the command line, e.g. valaret-2026."),
        error_messages={
            **REQUIRED,
            **TOO_LONG,
            "invalid": _("Use only lower-case letters, digits and hyphens."),
        },
    )
    questionnaire = forms.ModelChoiceField(
        queryset=QuestionnaireVersion.objects.none(),
        to_field_name="uid",
        label=_("Questionnaire version"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose a questionnaire.")},
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Other participating organisations"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among the partner organisations.")},
    )
    min_cell_size = forms.IntegerField(
        label=_("Smallest group shown"),
        min_value=MIN_CELL_SIZE,
        max_value=1000,
        initial=MIN_CELL_SIZE,
        help_text=_("Groups with fewer respondents are never shown. At least 5."),
        error_messages={
            **REQUIRED,
            "invalid": _("Enter a whole number."),
            "min_value": _("At least %(limit_value)s."),
            "max_value": _("At most %(limit_value)s."),
        },
    )
    weighting = forms.BooleanField(
        label=_("Weight the results for non-response"), required=False, initial=True
    )
    previous_wave = forms.ModelChoiceField(
        queryset=Wave.objects.none(),
        label=_("Earlier wave to compare with"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the listed waves.")},
    )

    def __init__(
        self,
        *args: Any,
        owners: Any,
        partners: Any,
        waves: Any,
        questionnaires: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["owner"].queryset = owners
        fields["questionnaire"].queryset = questionnaires
        fields["partners"].queryset = partners
        fields["previous_wave"].queryset = waves


class WaveSettingsForm(PeriodFields):
    min_cell_size = WaveForm.base_fields["min_cell_size"]
    weighting = WaveForm.base_fields["weighting"]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel)"),
        error_messages={
            **REQUIRED,
            "empty": _("The file is empty."),
            "invalid": _("No file was sent."),
        },
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("The file must be CSV (.csv) or Excel (.xlsx)."))
        check_upload_size(uploaded)
        return uploaded


class QuestionnaireForm(forms.Form):
    document = forms.CharField(
        label=_("Questionnaire (YAML)"),
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        error_messages={**REQUIRED, **TOO_LONG},
    )
