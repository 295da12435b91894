from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.roles import Role


class OrganisationType(models.TextChoices):
    MUNICIPALITY = "kommun", _("Municipality")
    POLICE = "polis", _("Police")
    HOUSING = "bostadsbolag", _("Housing company")
    AUTHORITY = "myndighet", _("Other authority")
    RESCUE = "raddningstjanst", _("Fire and rescue service")
    COUNTY = "lansstyrelse", _("County administrative board")
    OTHER = "ovrig", _("Other")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    organisation_number = models.CharField(_("organisation number"), max_length=11, blank=True)
    municipality_code = models.CharField(
        _("municipality code"),
        max_length=4,
        blank=True,
        help_text=_("Four-digit code from SCB, for municipalities."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit (förvaltning, avdelning, område) within an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="units", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_unique_name")
        ]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"


class Collaboration(models.Model):
    """A collaboration (samverkan) that groups member organisations."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        Organisation, related_name="collaborations", verbose_name=_("member organisations")
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("unit")
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[
            (Role.ADMINISTRATOR.value, _("Administrator")),
            (Role.COORDINATOR.value, _("Coordinator")),
            (Role.CASE_OFFICER.value, _("Case officer")),
            (Role.ANALYST.value, _("Analyst")),
            (Role.REPORTER.value, _("Incident reporter")),
            (Role.AUDITOR.value, _("Auditor")),
        ],
    )

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
