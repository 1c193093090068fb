"""The role matrix of docs/roles.md, held to the resolver."""

import pytest

from guichet.accounts.models import Role
from guichet.accounts.permissions import ROLE_ACTIONS, Action, can

pytestmark = pytest.mark.django_db

# Role -> actions, as documented in docs/roles.md.
MATRIX = {
    Role.AGENT: {
        "view_ticket",
        "reply",
        "note",
        "take",
        "change_fields",
        "escalate",
        "decide",
        "contact_seller",
        "record_payment",
        "write_articles",
        "publish_articles",
    },
    Role.TEAM_LEAD: {
        "view_ticket",
        "reply",
        "note",
        "take",
        "change_fields",
        "escalate",
        "decide",
        "assign",
        "view_reports",
        "export_reports",
        "block",
        "merge_contacts",
        "manage_replies",
        "contact_seller",
        "record_payment",
        "write_articles",
        "publish_articles",
    },
    Role.INVESTIGATOR: {
        "view_ticket",
        "reply",
        "note",
        "take",
        "change_fields",
        "escalate",
        "decide",
        "contact_seller",
        "record_payment",
        "write_articles",
        "publish_articles",
    },
    Role.DIRECTOR: {
        "view_ticket",
        "reply",
        "note",
        "take",
        "change_fields",
        "escalate",
        "decide",
        "assign",
        "view_reports",
        "export_reports",
        "block",
        "merge_contacts",
        "manage_replies",
        "lift_block",
        "manage_sellers",
        "contact_seller",
        "record_payment",
        "write_articles",
        "publish_articles",
    },
    Role.MANAGER: {
        "view_ticket",
        "reply",
        "note",
        "take",
        "change_fields",
        "escalate",
        "decide",
        "assign",
        "view_reports",
        "export_reports",
        "block",
        "merge_contacts",
        "manage_replies",
        "lift_block",
        "manage_people",
        "manage_letters",
        "manage_sellers",
        "contact_seller",
        "record_payment",
        "view_equality",
        "write_articles",
        "publish_articles",
    },
    # Everything but the equality figures, which are the managers' alone (RP-3).
    Role.ADMIN: {a.value for a in Action} - {"view_equality"},
}


def test_matrix_matches_the_documentation():
    assert {role: {a.value for a in actions} for role, actions in ROLE_ACTIONS.items()} == MATRIX
    from django.conf import settings

    doc = (settings.BASE_DIR / "docs" / "roles.md").read_text()
    for action in Action:
        assert f"`{action.value}`" in doc
    assert _documented_matrix(doc) == MATRIX


def _documented_matrix(doc: str) -> dict[str, set[str]]:
    """The ✓ of the matrix table in docs/roles.md, role by role."""
    rows = [line for line in doc.splitlines() if line.startswith("| ")]
    header = next(row for row in rows if row.startswith("| role | view_ticket"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    names = {label: role for role, label in ROLE_LABELS.items()}
    matrix = {}
    for row in rows[rows.index(header) + 1 :]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if cells[0] not in names:
            break
        matrix[names[cells[0]]] = {
            column for column, cell in zip(columns[1:], cells[1:], strict=True) if "✓" in cell
        }
    return matrix


ROLE_LABELS = {
    Role.AGENT: "agent",
    Role.TEAM_LEAD: "team lead",
    Role.INVESTIGATOR: "level-2 investigator",
    Role.DIRECTOR: "director",
    Role.MANAGER: "manager",
    Role.ADMIN: "administrator",
}


def test_no_role_in_a_brand_means_no_power_there(world):
    for action in Action:
        assert not can(world.outsider, action, brand=world.ej)
        assert can(world.superuser, action, brand=world.ej)


def test_deciding_at_a_level_follows_the_policys_handled_by(world):
    # EJ: level 1 agent/team_lead; level 2 investigator/team_lead; level 3 director.
    assert can(world.agent, Action.DECIDE, brand=world.ej, level=1)
    assert not can(world.agent, Action.DECIDE, brand=world.ej, level=2)
    assert can(world.investigator, Action.DECIDE, brand=world.ej, level=2)
    assert not can(world.investigator, Action.DECIDE, brand=world.ej, level=3)
    assert can(world.director, Action.DECIDE, brand=world.ej, level=3)
    assert can(world.manager, Action.DECIDE, brand=world.ej, level=3)


def test_exporting_reports_follows_the_policys_export_roles(world):
    # By default director, manager and administrator; a team lead sees the reports only.
    assert world.ej.get_policy().reports.export_roles == ["director", "manager", "admin"]
    for user in (world.director, world.manager, world.admin):
        assert can(user, Action.EXPORT_REPORTS, brand=world.ej)
    assert can(world.lead, Action.VIEW_REPORTS, brand=world.ej)
    assert not can(world.lead, Action.EXPORT_REPORTS, brand=world.ej)
    assert not can(world.agent, Action.EXPORT_REPORTS, brand=world.ej)


def test_an_inactive_membership_or_person_has_no_power(world):
    world.agent.memberships.update(is_active=False)
    world.agent.refresh_from_db()
    assert not can(world.agent, Action.VIEW_TICKET, brand=world.ej)
    world.lead.is_active = False
    assert not can(world.lead, Action.VIEW_TICKET, brand=world.ej)
