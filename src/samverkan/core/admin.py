"""Admin for platform configuration. Changes made in the admin are audited from its
change log (samverkan.audit.signals); operational records (cases and later modules'
data) are never registered, so the admin cannot bypass the isolation rules."""

from django.contrib import admin

from samverkan.core.models import RetentionPolicy

# Deleting a selection writes the admin's change log in bulk, without the signal that
# audits each change; deletions are made one object at a time, where they are audited.
admin.site.disable_action("delete_selected")


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["record_type", "months", "legal_basis"]
