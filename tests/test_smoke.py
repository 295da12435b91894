from typing import Any

import pytest

from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db


def test_home_and_case_pages_render(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    case = world.case("linkoping", title="Synligt ärende")
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    for url in ["/", "/arenden/", f"/arenden/{case.pk}/", "/jobb/", "/arenden/nytt/"]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_swedish_by_default_english_selectable(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    swedish = client.get("/").content.decode()
    assert 'lang="sv"' in swedish and "Logga ut" in swedish and "Ärenden" in swedish
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert 'lang="en"' in english and "Sign out" in english and "Cases" in english
