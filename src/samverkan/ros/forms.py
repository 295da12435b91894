from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.core.imports import check_upload_size
from samverkan.core.views_helpers import ui_language
from samverkan.organisations.models import Organisation
from samverkan.ros.models import ActivityKind, PermitStatus, RiskLevel

REQUIRED = {"required": _("This field is required.")}


class PremisesFilterForm(forms.Form):
    q = forms.CharField(label=_("Address, name or property"), required=False, max_length=200)
    municipality = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(type="kommun"),
        label=_("Municipality"),
        required=False,
        empty_label=_("All"),
    )
    kind = forms.ModelChoiceField(
        queryset=ActivityKind.objects.all(),
        label=_("Kind of activity"),
        required=False,
        empty_label=_("All"),
        to_field_name="key",
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
        check_upload_size(uploaded)
        return uploaded


class SignalForm(forms.Form):
    about = forms.ChoiceField(
        label=_("The signal concerns"),
        choices=(),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of the listed.")},
    )
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

    def __init__(
        self, *args: Any, owners: Any, partners: Any, about: Any = (), **kwargs: Any
    ) -> None:
        from samverkan.cases.forms import CONFIDENTIALITY_CHOICES
        from samverkan.ros import grading

        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["owner"].queryset = owners
        fields["shared_with"].queryset = partners
        fields["about"].choices = list(about)
        lang = ui_language()
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


class OperationForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Planned by"),
        error_messages={**REQUIRED, "invalid_choice": _("Choose one of your organisations.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200, error_messages=REQUIRED)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={**REQUIRED, "invalid": _("Enter a date and time.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time.")},
    )
    areas = forms.CharField(label=_("Areas"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Plan"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self,
        *args: Any,
        owners: Any,
        organisations: Any,
        authorities: Any,
        lang: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["owner"].queryset = owners
        choices = [("", _("Does not take part"))] + [
            (a.key, a.label.get(lang)) for a in authorities
        ]
        self.participant_fields: list[tuple[str, Any]] = []
        for org in organisations:
            name = f"participant_{org.pk}"
            fields[name] = forms.ChoiceField(
                label=_("%(org)s takes part as") % {"org": org.name},
                choices=choices,
                required=False,
                error_messages={"invalid_choice": _("Choose an authority from the list.")},
            )
            self.participant_fields.append((name, org))

    def participants(self) -> list[tuple[Any, str]]:
        return [
            (org, self.cleaned_data[name])
            for name, org in self.participant_fields
            if self.cleaned_data.get(name)
        ]


class AssignmentForm(forms.Form):
    participation = forms.ChoiceField(label=_("Authority"), choices=())
    target = forms.ChoiceField(label=_("Target"), choices=())
    task = forms.CharField(label=_("Task"), max_length=300, error_messages=REQUIRED)

    def __init__(self, *args: Any, operation: Any, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        from samverkan.ros.operations import operation_toolbox

        toolbox = operation_toolbox(operation)
        fields["participation"].choices = [
            (
                str(p.uid),
                f"{p.organisation.name} ({toolbox.authority(p.authority).label.get(lang)})",
            )
            for p in operation.participations.select_related("organisation")
        ]
        fields["target"].choices = [
            (str(t.uid), str(t.premises)) for t in operation.targets.select_related("premises")
        ]


class InspectionForm(forms.Form):
    target = forms.ChoiceField(label=_("Target"), choices=())
    inspected_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={**REQUIRED, "invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    findings = forms.MultipleChoiceField(
        label=_("Findings"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    sanctions = forms.MultipleChoiceField(
        label=_("Sanctions"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    money_identified = forms.DecimalField(
        label=_("Money identified (SEK)"),
        min_value=0,
        max_digits=14,
        decimal_places=0,
        initial=0,
        error_messages={
            "invalid": _("Enter a whole number of kronor."),
            "min_value": _("At least 0."),
        },
    )
    money_stopped = forms.DecimalField(
        label=_("Payments stopped (SEK)"),
        min_value=0,
        max_digits=14,
        decimal_places=0,
        initial=0,
        error_messages={
            "invalid": _("Enter a whole number of kronor."),
            "min_value": _("At least 0."),
        },
    )
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Share the record with"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "If you tick none, the record is shared with the organisation that planned the "
            "operation."
        ),
    )

    def __init__(
        self,
        *args: Any,
        operation: Any,
        authority: Any,
        toolbox: Any,
        partners: Any,
        lang: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["target"].choices = [
            (str(t.uid), str(t.premises)) for t in operation.targets.select_related("premises")
        ]
        fields["findings"].choices = [
            (f.key, f"{check.label.get(lang)}: {f.label.get(lang)}")
            for check in authority.checks
            for f in check.findings
        ]
        fields["sanctions"].choices = [
            (s.key, s.label.get(lang)) for s in toolbox.sanctions_for(authority.key)
        ]
        fields["shared_with"].queryset = partners


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300, error_messages=REQUIRED)
    owner: Any = forms.ModelChoiceField(
        queryset=None,
        # User names, not the users' sequential ids (which count every account).
        to_field_name="username",
        label=_("Responsible"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the listed.")},
    )
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.queryset = users
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
