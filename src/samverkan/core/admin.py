"""Admin for platform configuration. Every change made here is audited; operational
records (cases and later modules' data) are never registered, so the admin cannot
bypass the isolation rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.models import RetentionPolicy


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                actor=request.user,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                obj=obj,
                details={"fields": sorted(form.changed_data), "via": "admin"},
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            audit.record(
                actor=request.user, action=AuditAction.DELETE, obj=obj, details={"via": "admin"}
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(
                    actor=request.user, action=AuditAction.DELETE, obj=obj, details={"via": "admin"}
                )
            super().delete_queryset(request, queryset)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(AuditedModelAdmin):
    list_display = ["record_type", "months", "legal_basis"]
