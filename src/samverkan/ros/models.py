"""ROS: the premises, business and permit register, signals, transparent risk and joint
operations. Every record is a ScopedRecord: owned by one organisation and shared
explicitly."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.core.scoping import ScopedRecord


class ActivityKind(models.Model):
    """Kinds of activity (restaurant, kiosk, car wash …): configuration, not code."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    cash_intensive = models.BooleanField(_("cash-intensive"), default=False)
    required_permits = models.JSONField(
        _("required permit types"),
        default=list,
        blank=True,
        help_text=_('Permit types this kind of activity needs, e.g. ["alcohol", "food"].'),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("kind of activity")
        verbose_name_plural = _("kinds of activity")

    def __str__(self) -> str:
        return self.name


class PermitType(models.TextChoices):
    ALCOHOL = "alcohol", _("Alcohol licence (serveringstillstånd)")
    TOBACCO = "tobacco", _("Tobacco sales")
    FOOD = "food", _("Food business registration")
    BUILDING = "building", _("Building permit / permitted use")
    FIRE = "fire", _("Fire protection")
    OTHER = "other", _("Other")


class PermitStatus(models.TextChoices):
    ACTIVE = "active", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    APPLIED = "applied", _("Applied for")
    DENIED = "denied", _("Denied")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Premises(ScopedRecord):
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    municipality = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    property_designation = models.CharField(_("property designation"), max_length=100, blank=True)
    kind = models.ForeignKey(
        ActivityKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("kind of activity"),
    )
    normalised_address = models.CharField(max_length=220, db_index=True)

    retention_date_field = ""  # the register is kept; signals and inspections expire

    class Meta:
        ordering = ["address"]
        verbose_name = _("premises")
        verbose_name_plural = _("premises")
        indexes = [
            models.Index(fields=["latitude", "longitude"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "normalised_address"], name="premises_unique_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address


class Clearance(models.IntegerChoices):
    """The highest confidentiality level a viewer reads (levels are nested: whoever reads
    a level reads every lower one; see ``organisations.roles.READABLE_LEVELS``)."""

    INTERNAL = 0, _("Internal")
    RESTRICTED = 1, _("Restricted")
    CONFIDENTIAL = 2, _("Confidential")


class PremisesRisk(models.Model):
    """The risk of one premises as one viewer sees it: computed only from the facts that
    members of ``organisation`` who read up to ``clearance`` can see.

    There is one row for every organisation that can see the premises and every clearance
    at or above the premises' own level, and no other: a row exists exactly when the
    viewer can see the premises. Rows are rewritten, in the transaction of the change,
    whenever a fact about the premises or its sharing changes (``riskfacts.recompute``).
    ``address`` and the coordinates repeat the premises' own, so that the risk list is one
    index walk and the map filters the viewer's rows without reading every premises."""

    premises = models.ForeignKey(Premises, on_delete=models.CASCADE, related_name="risks")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    clearance = models.PositiveSmallIntegerField(choices=Clearance.choices)
    score = models.FloatField(_("risk score"), default=0)
    level = models.CharField(
        _("risk level"), max_length=6, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    fired = models.JSONField(default=list, blank=True)
    address = models.CharField(max_length=200)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("risk of premises")
        verbose_name_plural = _("risks of premises")
        constraints = [
            models.UniqueConstraint(
                fields=["premises", "organisation", "clearance"], name="premises_risk_unique"
            )
        ]
        indexes = [
            # The risk list is one walk of this index, deep pages too (no sort); the map
            # filters its area on the included coordinates (PostgreSQL).
            models.Index(
                fields=["organisation", "clearance", "-score", "address", "premises"],
                name="ros_risk_list",
                include=["latitude", "longitude", "level"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.premises_id} / {self.organisation_id} / {self.clearance}: {self.score}"


class Business(ScopedRecord):
    organisation_number = models.CharField(_("organisation number"), max_length=11)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    line_of_business = models.CharField(_("line of business"), max_length=200, blank=True)
    premises = models.ManyToManyField(
        Premises, blank=True, related_name="businesses", verbose_name=_("premises")
    )

    retention_date_field = ""

    class Meta:
        ordering = ["name"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "organisation_number"], name="business_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_number})"


class PersonRoleKind(models.TextChoices):
    REPRESENTATIVE = "representative", _("Representative")
    BOARD_MEMBER = "board_member", _("Board member")
    OWNER = "owner", _("Owner")
    EMPLOYEE = "employee", _("Employee")


class PersonRole(ScopedRecord):
    """A person's role towards a business or premises: only what the register needs.
    Person-level data: shown only after a purpose is given, and every view is audited."""

    name = models.CharField(_("name"), max_length=200)
    person_number = models.CharField(_("personal identity number"), max_length=12, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=PersonRoleKind.choices)
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, null=True, blank=True, related_name="person_roles"
    )
    premises = models.ForeignKey(
        Premises, on_delete=models.CASCADE, null=True, blank=True, related_name="person_roles"
    )

    retention_date_field = ""

    class Meta:
        ordering = ["name"]
        verbose_name = _("person with a role")
        verbose_name_plural = _("persons with roles")
        indexes = [models.Index(fields=["person_number"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def audit_repr(self) -> str:
        return f"{_('Person')} #{self.pk}"

    @property
    def person_number_display(self) -> str:
        from samverkan.core.identity import PersonNumber

        return str(PersonNumber(self.person_number)) if self.person_number else ""


class Permit(ScopedRecord):
    premises = models.ForeignKey(
        Premises, on_delete=models.CASCADE, related_name="permits", verbose_name=_("premises")
    )
    business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="permits"
    )
    type = models.CharField(_("permit type"), max_length=20, choices=PermitType.choices)
    status = models.CharField(_("status"), max_length=10, choices=PermitStatus.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    retention_date_field = ""

    class Meta:
        ordering = ["type", "-valid_to"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        # The risk list's permit-status filter: a few thousand permits, not a probe per
        # premises.
        indexes = [models.Index(fields=["status", "premises"], name="ros_permit_status")]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.get_status_display()}"


class Signal(ScopedRecord):
    """A tip, observation or piece of intelligence about a premises or business."""

    premises = models.ForeignKey(
        Premises, on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    person = models.ForeignKey(
        PersonRole, on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=[
            ("tip", _("Tip")),
            ("observation", _("Observation")),
            ("intelligence", _("Intelligence")),
        ],
        default="observation",
    )
    description = models.TextField(_("description"))
    observed_on = models.DateField(_("date"), db_index=True)
    reliability = models.CharField(_("source reliability"), max_length=1)
    credibility = models.CharField(_("information credibility"), max_length=1)

    retention_date_field = "observed_on"

    class Meta:
        ordering = ["-observed_on"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [models.Index(fields=["premises", "observed_on"])]

    def __str__(self) -> str:
        grade = f"{self.reliability}{self.credibility}"
        return f"{self.get_kind_display()} {self.observed_on:%Y-%m-%d} ({grade})"


class RiskIndicatorSetting(models.Model):
    """Weights and thresholds of the risk indicators, edited by administrators."""

    key = models.SlugField(_("indicator"), max_length=50, unique=True)
    enabled = models.BooleanField(_("in use"), default=True)
    weight = models.FloatField(_("weight"))
    params = models.JSONField(_("thresholds"), default=dict, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("risk indicator")
        verbose_name_plural = _("risk indicators")

    def __str__(self) -> str:
        return self.key


class OperationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CARRIED_OUT = "carried_out", _("Carried out")
    FOLLOWED_UP = "followed_up", _("Followed up")


class Operation(ScopedRecord):
    """A joint operation planned by one organisation with the participating ones, which
    it is shared with."""

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    areas = models.CharField(_("areas"), max_length=300, blank=True)
    description = models.TextField(_("plan"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OperationStatus.choices, default=OperationStatus.PLANNED
    )
    toolbox = models.JSONField(
        default=dict, help_text="The legal toolbox as it was when the operation was planned."
    )

    retention_date_field = ""

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("joint operation")
        verbose_name_plural = _("joint operations")

    def __str__(self) -> str:
        return self.title


class OperationTarget(models.Model):
    # Named in URLs and forms by this random id: the row's sequential key would count
    # every organisation's operations.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="targets")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["premises__address"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "premises"], name="target_unique")
        ]

    def __str__(self) -> str:
        return str(self.premises)


class Participation(models.Model):
    """An organisation taking part in an operation with one authority's mandate."""

    # Named in URLs and forms by this random id: the row's sequential key would count
    # every organisation's operations.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    authority = models.CharField(_("authority (legal toolbox)"), max_length=40)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "organisation", "authority"], name="participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.authority})"


class Assignment(models.Model):
    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="assignments"
    )
    target = models.ForeignKey(
        OperationTarget, on_delete=models.CASCADE, related_name="assignments"
    )
    task = models.CharField(_("task"), max_length=300)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.task


class InspectionRecord(ScopedRecord):
    """One authority's own record of what it found at one target."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="inspections")
    target = models.ForeignKey(
        OperationTarget, on_delete=models.CASCADE, related_name="inspections"
    )
    authority = models.CharField(_("authority"), max_length=40)
    inspected_on = models.DateField(_("date"))
    findings = models.JSONField(_("findings"), default=list, blank=True)
    sanctions = models.JSONField(_("sanctions"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    money_identified = models.DecimalField(
        _("money identified (SEK)"), max_digits=14, decimal_places=0, default=0
    )
    money_stopped = models.DecimalField(
        _("payments stopped (SEK)"), max_digits=14, decimal_places=0, default=0
    )

    retention_date_field = "inspected_on"

    class Meta:
        ordering = ["-inspected_on"]
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")

    def __str__(self) -> str:
        return f"{self.authority} {self.inspected_on:%Y-%m-%d}"


class FollowUpTask(models.Model):
    # Named in URLs and forms by this random id: the row's sequential key would count
    # every organisation's operations.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(InspectionRecord, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["done", "due_on"]

    def __str__(self) -> str:
        return self.title


class LegalToolboxVersion(models.Model):
    """A version of the legal toolbox catalogue, edited as YAML by administrators. The
    newest version is used for new operations; each operation keeps its own copy."""

    document = models.TextField(_("catalogue (YAML)"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("legal toolbox version")
        verbose_name_plural = _("legal toolbox versions")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.note}".strip()
