"""Every document type checks an uploaded template with the organisation's own data: on the demo,
each one's live context renders the shipped template within the render limits."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import demo
from compliance.auth import User
from compliance.document_templates import check_template
from compliance.documents import default_template_path, document_types
from compliance.tenancy import Organisation


def test_every_live_context_renders_the_shipped_template(app, session):
    from compliance import REGISTERS

    demo.load(session, "test", REGISTERS)
    session.flush()
    user = session.scalar(sa.select(User).order_by(User.id).limit(1))
    organisations = list(session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    kinds = document_types()
    assert len(kinds) == 11
    checked = set()
    with app.test_request_context():
        for kind in kinds.values():
            assert kind.live_context is not None, kind.name
            template = default_template_path(kind.name).read_bytes()
            for organisation in organisations:
                if kind.live_context(session, organisation, user) is None:
                    continue
                check_template(
                    template, kind, session=session, organisation=organisation, user=user
                )
                checked.add(kind.name)
    # The demo holds data for every document.
    assert checked == set(kinds), sorted(set(kinds) - checked)
