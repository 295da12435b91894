"""The one rule for whom a record may be shared with: organisations that have a
collaboration in common with the record's owner."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samverkan.organisations.models import Organisation
from samverkan.organisations.selectors import collaboration_partners


def share_targets(
    owner: Organisation, organisations: Iterable[Organisation], *, field: str = "shared_with"
) -> list[Organisation]:
    """The organisations other than the owner, or a ValidationError on ``field`` naming
    those outside every collaboration of the owner."""
    targets = [o for o in organisations if o.pk != owner.pk]
    allowed = set(collaboration_partners(owner).values_list("pk", flat=True))
    outside = [o.name for o in targets if o.pk not in allowed]
    if outside:
        raise ValidationError(
            {
                field: _(
                    "Records can only be shared with organisations in a common "
                    "collaboration: %(names)s"
                )
                % {"names": ", ".join(outside)}
            }
        )
    return targets
