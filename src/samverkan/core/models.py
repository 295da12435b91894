from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionPolicy(models.Model):
    """How long records of one type are kept, counted from the type's retention date."""

    record_type = models.CharField(
        _("record type"),
        max_length=100,
        unique=True,
        help_text=_("App label and model, for example cases.case."),
    )
    months = models.PositiveIntegerField(_("months to keep"), validators=[MinValueValidator(1)])
    legal_basis = models.CharField(_("basis for the period"), max_length=300, blank=True)

    class Meta:
        ordering = ["record_type"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return f"{self.record_type}: {self.months}"
