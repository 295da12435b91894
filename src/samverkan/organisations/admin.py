from django.contrib import admin

from samverkan.organisations.models import Collaboration, Membership, Organisation, Unit


class UnitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Unit
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "type", "short_name", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name"]
    inlines = [UnitInline]


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "decided_on"]
    filter_horizontal = ["members"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "organisation", "role", "unit"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__last_name"]
