"""Every document type checks an uploaded template with what its context builder makes of the
demo and of the organisation's own data: each builder, on every organisation of the demo (loaded
into the test's database, on both backends), renders the shipped template within the render
limits."""

from __future__ import annotations

import sqlalchemy as sa

from compliance import REGISTERS, demo
from compliance.auth import User
from compliance.document_templates import check_render, check_stamp
from compliance.documents import default_template_path, document_types
from compliance.tenancy import Organisation


def test_every_context_builder_renders_the_shipped_template(app, session):
    demo.load(session, "test", REGISTERS)
    session.flush()
    user = session.scalar(sa.select(User).order_by(User.id).limit(1))
    organisations = list(session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    kinds = document_types()
    assert len(kinds) == 23
    checked = set()
    with app.test_request_context():
        for kind in kinds.values():
            template = default_template_path(kind.name).read_bytes()
            for organisation in organisations:
                context = kind.context(session, organisation, user)
                if context is None:
                    continue
                check_render(template, {**context, "export": check_stamp(user)})
                checked.add(kind.name)
    # The demo holds data for every document.
    assert checked == set(kinds), sorted(set(kinds) - checked)
