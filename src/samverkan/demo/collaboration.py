"""Demo: the Linköping–Norrköping collaboration agreement, in force with both decisions.

The decisions' dates, paragraphs and the functions' contacts are synthetic."""

from __future__ import annotations

from datetime import date
from typing import Any

from samverkan.collaboration import services
from samverkan.organisations.models import Collaboration, Organisation

WORK_AREAS = [
    "Otillåten påverkan",
    "Lokal operativ samverkan (LOS) utvecklad till regional operativ samverkan (ROS)",
    "Välfärdsbrottslighet",
    "Utbildnings- och kommunikationsinsatser",
]


def load(*, coordinators: dict[str, Any], orgs: dict[str, Organisation]) -> None:
    linkoping, norrkoping = orgs["linkoping"], orgs["norrkoping"]
    agreement = services.create_agreement(
        actor=coordinators["linkoping"],
        collaboration=Collaboration.objects.get(members=linkoping),
        title="Samverkan mellan Linköpings och Norrköpings kommuner mot brottslighet",
        parties=[(linkoping, True), (norrkoping, True)],
        joined_on=date(2022, 5, 5),
        period_start=date(2022, 6, 1),
        renewal_note="Löper tills vidare; följs upp årligen i respektive kommunstyrelse.",
        work_areas=WORK_AREAS,
    )
    services.record_decision(
        actor=coordinators["linkoping"],
        agreement=agreement,
        organisation=linkoping,
        decided_on=date(2022, 5, 17),
        body="Kommunstyrelsen",
        paragraph="§ 123",
        conditions="Beslutet gäller under förutsättning att Norrköpings kommun fattar "
        "motsvarande beslut.",
    )
    services.record_decision(
        actor=coordinators["norrkoping"],
        agreement=agreement,
        organisation=norrkoping,
        decided_on=date(2022, 6, 1),
        body="Kommunstyrelsen",
        paragraph="§ 98",
        conditions="Beslutet gäller under förutsättning att Linköpings kommun fattar "
        "motsvarande beslut.",
    )
    for org, function, contact in (
        (linkoping, "Kommundirektör (uppdrag att etablera samverkan)", ""),
        (linkoping, "Säkerhetschef", "sakerhet@linkoping.demo.invalid"),
        (norrkoping, "Säkerhetschef", "sakerhet@norrkoping.demo.invalid"),
    ):
        services.assign_function(
            actor=coordinators["linkoping"],
            agreement=agreement,
            function=function,
            organisation=org,
            contact=contact,
        )
