"""Register import: preview, de-duplication, row errors, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from samverkan.core.tabular import Row, TableError, read_table
from samverkan.organisations.roles import Role
from samverkan.ros import services
from samverkan.ros.importing import ALIASES, REQUIRED, normalise_address
from samverkan.ros.models import Business, Permit, Premises

pytestmark = pytest.mark.django_db

HEADER = (
    "adress;postnummer;kommun;verksamhetstyp;namn;organisationsnummer;företagsnamn;"
    "tillståndstyp;status;giltigt till;lat;lon"
)
GOOD = [
    "Storgatan 1;582 22;Linköpings kommun;restaurang;Krogen;556036-0793;Krogen AB;"
    "serveringstillstånd;gällande;2027-06-30;58.41;15.62",
    "Storgatan 1;58222;Linköping;Restaurang;Krogen;5560360793;Krogen AB;livsmedel;gällande;;"
    "58.41;15.62",
    "Drottninggatan 5;602 24;Norrköpings kommun;kiosk;Kiosken;;;tobak;utgånget;2025-01-01;"
    "58.59;16.18",
]


def _rows(lines: list[str]) -> list[Row]:
    data = "\n".join([HEADER, *lines]).encode("utf-8")
    return read_table(data, "register.csv", aliases=ALIASES, required=REQUIRED)


def test_preview_stores_nothing_and_commit_deduplicates(world: Any, kinds: Any) -> None:
    actor = world.user("linkoping", Role.CASE_OFFICER)
    preview = services.import_register(
        actor=actor, owner=world.orgs["linkoping"], rows=_rows(GOOD), commit=False
    )
    assert (preview.premises_new, preview.businesses_new, preview.permits_new) == (2, 1, 3)
    assert Premises.objects.count() == 0
    services.import_register(
        actor=actor, owner=world.orgs["linkoping"], rows=_rows(GOOD), commit=True
    )
    assert Premises.objects.count() == 2, "the same address twice is one premises"
    assert Business.objects.get().organisation_number == "556036-0793"
    assert Permit.objects.count() == 3
    again = services.import_register(
        actor=actor, owner=world.orgs["linkoping"], rows=_rows(GOOD), commit=True
    )
    assert (again.premises_new, again.businesses_new, again.permits_new) == (0, 0, 0)
    assert again.premises_matched == 3 and again.permits_matched == 3
    assert Premises.objects.count() == 2


def test_row_errors_name_row_and_column_and_nothing_is_stored(world: Any, kinds: Any) -> None:
    bad = [
        *GOOD,
        ";58222;Linköpings kommun;;;;;;;;;",
        "Ågatan 3;5822;Atlantis;bageri;;556036-0794;Fel AB;tillstånd;okänd;2027-13-01;90;15",
    ]
    with pytest.raises(TableError) as error:
        services.import_register(
            actor=world.user("linkoping", Role.CASE_OFFICER),
            owner=world.orgs["linkoping"],
            rows=_rows(bad),
            commit=True,
        )
    text = [str(p) for p in error.value.problems]
    assert any(t.startswith("Rad 5") and "address" in t for t in text)
    for column in (
        "postal_code",
        "municipality",
        "kind",
        "organisation_number",
        "permit_type",
        "permit_status",
        "valid_to",
        "latitude",
    ):
        assert any(t.startswith("Rad 6") and column in t for t in text), column
    assert Premises.objects.count() == Business.objects.count() == Permit.objects.count() == 0


def test_only_members_may_import_into_a_register(world: Any, kinds: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_register(
            actor=world.user("stangastaden", Role.CASE_OFFICER),
            owner=world.orgs["linkoping"],
            rows=_rows(GOOD),
            commit=False,
        )


def test_address_normalisation() -> None:
    assert normalise_address("Storgatan 1", "582 22") == normalise_address(
        " storgatan  1,", "58222"
    )
    assert normalise_address("Kungsg. 3") == normalise_address("kungsgatan 3")
