"""Area rules are kept by municipality code and shown by name."""


def test_a_rule_saved_with_a_name_is_stored_by_code_and_shown_by_name(  # noqa: ANN201
        client, make_team, make_staff, login_fast):  # noqa: ANN001
    import re

    from sqlmodel import Session, select

    from triage.casework.models import RoutingRule
    from yhteys.db import get_engine

    team = make_team("Advice")
    login_fast(client, make_staff(display_name="Boss", teams=[team],
                                  roles=["advisor", "supervisor"]))
    page = client.get("/triage/rules").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/triage/rules", data={"csrf_token": token, "area": "vanda",
                                                  "team": str(team.id)})
    assert response.status_code == 303
    with Session(get_engine()) as db:
        assert db.scalars(select(RoutingRule.area)).all() == ["092"]
    assert "Vantaa (Vanda)" in client.get("/triage/rules").text
