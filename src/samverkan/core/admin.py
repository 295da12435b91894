"""Admin for platform configuration. Changes made in the admin are audited from its
change log (samverkan.audit.signals); operational records (cases and later modules'
data) are never registered, so the admin cannot bypass the isolation rules."""

from django.contrib import admin

from samverkan.core.models import RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["record_type", "months", "legal_basis"]
