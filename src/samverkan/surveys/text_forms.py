"""Forms of the coordinators' pages for invitation texts and the last day to answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeadlineForm(forms.Form):
    deadline = forms.DateField(
        label=_("Last day to answer"),
        required=False,
        help_text=_("Links stop working after this day. Leave empty for no last day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class SurveyTextsForm(forms.Form):
    contact = forms.CharField(
        label=_("Contact for questions about the survey"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in invitations and reminders: a name, telephone number or address."),
    )
    support = forms.CharField(
        label=_("Support for those affected"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Shown on the page respondents see after answering: where to turn for support "
            "or to report a threat."
        ),
    )
    data_protection = forms.CharField(
        label=_("Data-protection information"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Shown in invitations: who is responsible for the personal data, the legal "
            "basis, how long the list of invitees is kept and whom to contact."
        ),
    )
