"""The report's pages: the list of reports, the preview of a member's or of the whole
service's (figures, charts, sessions, recommendations and their editor), the Word or PDF
download. Each view loads and checks access (404, then 403), calls one service, commits."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import submit
from compliance.pagination import Page, page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, visible_organisations_query
from registers.annual import forms, services
from registers.annual.export import export_annual_report
from registers.annual.queries import REGISTER, served_organisations, served_statement
from registers.annual.report import host_organisation, member_report, service_report
from registers.annual.rights import right_labels
from registers.annual.schemas import RecommendationWrite
from registers.annual.views.helpers import requested_year, service_host, year_choices

routes = Routes()
# Rows of the service preview's table of figures by organisation (the document has them all).
MEMBERS_PER_PAGE = 50


def _member(slug: str, action: Action = Action.READ) -> Organisation:
    return get_or_404(Organisation, slug, action, by="slug", register=REGISTER)


def _service_members(year: int) -> list[Organisation]:
    """The organisations of the service's report of `year` the user may read."""
    within = visible_organisations_query(current_user, REGISTER, Action.READ)
    return served_organisations(get_session(), year, within=within)


@routes.get("/")
def index():
    year = requested_year()
    db = get_session()
    host = host_organisation(db)
    within = visible_organisations_query(current_user, REGISTER, Action.READ)
    # A national DPO follows a thousand organisations: their cards come by pages.
    page = paginate(db, served_statement(db, year, within=within), page=page_number())
    return render_template(
        "annual/index.html",
        year=year,
        years=year_choices(year),
        page=page,
        organisations=page.items,
        service=host is not None and can(REGISTER, Action.READ, host.id),
    )


def _render(report, *, form=None, conflict=None, status=200):
    organisation = report.organisation
    record = report.recommendation
    if form is None:
        form = forms.RecommendationForm(formdata=None, obj=record)
        form.version.data = record.version if record else services.NEW
    members = None
    if report.service:  # the figures of a thousand members come by pages on the page
        number = page_number(param="members")
        start = (number - 1) * MEMBERS_PER_PAGE
        members = Page(
            items=report.members[start : start + MEMBERS_PER_PAGE],
            total=len(report.members),
            page=number,
            per_page=MEMBERS_PER_PAGE,
            param="members",
        )
    return render_template(
        "annual/report.html",
        report=report,
        members=members,
        years=year_choices(report.year),
        right_labels=right_labels(),
        may_recommend=can(REGISTER, Action.VALIDATE, organisation.id),
        may_export=can(REGISTER, Action.EXPORT, organisation.id),
        form=form,
        conflict=conflict,
        export_form=forms.ExportForm(formdata=None),
    ), status


@routes.get("/members/<slug>")
def member(slug: str):
    return _render(member_report(get_session(), _member(slug), requested_year()))


@routes.get("/service")
def service():
    year = requested_year()
    host = service_host()
    return _render(service_report(get_session(), host, _service_members(year), year))


def _save(organisation, year, *, service_wide, again):
    form = forms.RecommendationForm()
    done, conflict, status = submit(
        form,
        lambda: services.save_recommendation(
            get_session(),
            organisation,
            year,
            form.checked(RecommendationWrite),
            service_wide=service_wide,
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: services.find_recommendation(
            get_session(), organisation.id, year, service_wide=service_wide
        ),
    )
    if done:
        flash(_("Recommandations enregistrées."), "success")
        return None
    return _render(again(), form=form, conflict=conflict, status=status)


@routes.post("/members/<slug>/recommendations")
def recommend(slug: str):
    organisation = _member(slug, Action.VALIDATE)
    year = requested_year()
    failed = _save(
        organisation,
        year,
        service_wide=False,
        again=lambda: member_report(get_session(), organisation, year),
    )
    return failed or redirect(url_for(".member", slug=slug, year=year, _anchor="recommendations"))


@routes.post("/service/recommendations")
def recommend_service():
    year = requested_year()
    host = service_host(Action.VALIDATE)
    failed = _save(
        host,
        year,
        service_wide=True,
        again=lambda: service_report(get_session(), host, _service_members(year), year),
    )
    return failed or redirect(url_for(".service", year=year, _anchor="recommendations"))


def _download(report):
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, exported = export_annual_report(db, report, actor=current_user)
    response = send_document(db, data, exported, current_user)
    db.commit()
    return response


@routes.post("/members/<slug>/export")
def export(slug: str):
    organisation = _member(slug, Action.EXPORT)
    return _download(member_report(get_session(), organisation, requested_year()))


@routes.post("/service/export")
def export_service():
    year = requested_year()
    host = service_host(Action.EXPORT)
    return _download(service_report(get_session(), host, _service_members(year), year))
