"""Catalog HTTP routes: parse, call one use case, answer. Refusals are the kit's kinds, answered as problem+json."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from catalog import attendance, cancellations, domain, registrations, reports, schemas, service
from catalog.deps import ConnDep, CurrentUser, OfficeOnly, SettingsDep, StaffOnly, SupportOnly
from opencme_kit import idempotency
from opencme_kit.idempotency import IdempotencyKey
from opencme_kit.periods import REPORT_RESPONSES, ReportQuery
from opencme_kit.problems import Problem

router = APIRouter()


_PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Total-Count": {
                "description": "how many activities match in all (the answer holds one page of them)",
                "schema": {"type": "integer"},
            }
        }
    }
}
_STAFF: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token (problem+json)"},
    403: {"description": "The caller is not staff or an admin (problem+json)"},
}
_HELP_DESK: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token (problem+json)"},
    403: {"description": "The caller is not on the help desk (support) or an admin (problem+json)"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown (problem+json)"}}


@router.get("/activities", response_model=list[schemas.Activity], responses=_PAGED)
async def list_activities(
    query: Annotated[schemas.CatalogQuery, Query()], conn: ConnDep, settings: SettingsDep, response: Response
) -> list[schemas.Activity]:
    """The public catalog: current and upcoming activities soonest first, or past ones (past=true), searchable."""
    total, activities = await service.search_activities(conn=conn, query=query, provider=settings.provider_name)
    response.headers["X-Total-Count"] = str(total)
    return activities


@router.get("/activities/{activity_id}", response_model=schemas.Activity)
async def get_activity(activity_id: uuid.UUID, conn: ConnDep, settings: SettingsDep) -> schemas.Activity:
    """One published activity, or a cancelled one (with why)."""
    return await service.get_activity(conn=conn, activity_id=activity_id, provider=settings.provider_name)


@router.get("/office/activities", response_model=list[schemas.Activity], responses={**_PAGED, **_STAFF})
async def office_activities(
    query: Annotated[schemas.OfficeActivitiesQuery, Query()],
    conn: ConnDep,
    staff: StaffOnly,
    settings: SettingsDep,
    response: Response,
) -> list[schemas.Activity]:
    """Staff: every activity, drafts included, most recently created first; by status, by part of the title."""
    total, activities = await service.office_activities(conn=conn, query=query, provider=settings.provider_name)
    response.headers["X-Total-Count"] = str(total)
    return activities


@router.get("/office/activities/{activity_id}", response_model=schemas.Activity, responses={**_STAFF, **_NOT_FOUND})
async def office_activity(
    activity_id: uuid.UUID, conn: ConnDep, staff: StaffOnly, settings: SettingsDep
) -> schemas.Activity:
    """Staff: one activity, a draft or published."""
    return await service.office_activity(conn=conn, activity_id=activity_id, provider=settings.provider_name)


@router.post("/activities", status_code=201, response_model=schemas.Activity)
async def create_activity(
    body: schemas.ActivityCreate, conn: ConnDep, staff: StaffOnly, settings: SettingsDep
) -> schemas.Activity:
    """Create a draft activity (staff)."""
    return await service.create_activity(conn=conn, staff=staff, request=body, provider=settings.provider_name)


@router.patch(
    "/activities/{activity_id}",
    response_model=schemas.Activity,
    responses={
        **_STAFF,
        **_NOT_FOUND,
        409: {
            "description": "Refused by what is recorded (problem+json, `errors` naming each field): a published "
            "activity's title, format, place, dates, availability, credit, claim window, boards or event-code rule "
            "changed, "
            "or a capacity below the registrations already confirmed"
        },
    },
)
async def update_activity(
    activity_id: uuid.UUID, body: schemas.ActivityUpdate, conn: ConnDep, staff: StaffOnly, settings: SettingsDep
) -> schemas.Activity:
    """Edit an activity (staff): a draft entirely; once published, its description, capacity, fees and registration
    window only (a new fee applies to new registrations). Nothing is written when anything is refused."""
    try:
        return await service.update_activity(
            conn=conn, activity_id=activity_id, request=body, provider=settings.provider_name
        )
    except domain.PublishedFieldsLocked as refused:  # the kit's refusals name one field; this one names them all
        errors = [{"field": field, "reason": refused.reason} for field in refused.fields]
        raise Problem(409, refused.title, str(refused), errors=errors) from None


@router.post("/activities/{activity_id}/publish", response_model=schemas.Activity)
async def publish_activity(
    activity_id: uuid.UUID, conn: ConnDep, staff: StaffOnly, settings: SettingsDep
) -> schemas.Activity:
    """Publish a draft activity to the catalog (staff)."""
    return await service.publish_activity(conn=conn, activity_id=activity_id, provider=settings.provider_name)


_STATE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The activity's status or what is recorded for it does not allow this (problem+json, why)"}
}


@router.post(
    "/activities/{activity_id}/unpublish", response_model=schemas.Activity, responses={**_STAFF, **_NOT_FOUND, **_STATE}
)
async def unpublish_activity(
    activity_id: uuid.UUID,
    body: schemas.ActivityUnpublishing,
    conn: ConnDep,
    staff: StaffOnly,
    settings: SettingsDep,
) -> schemas.Activity:
    """Take a published activity nobody registered for or attended back to a draft, with the reason (staff); a draft
    stays one."""
    return await cancellations.unpublish_activity(
        conn=conn, staff=staff, activity_id=activity_id, request=body, provider=settings.provider_name
    )


@router.post(
    "/activities/{activity_id}/cancel", response_model=schemas.Activity, responses={**_STAFF, **_NOT_FOUND, **_STATE}
)
async def cancel_activity(
    activity_id: uuid.UUID,
    body: schemas.ActivityCancellation,
    conn: ConnDep,
    staff: StaffOnly,
    settings: SettingsDep,
) -> schemas.Activity:
    """Cancel a published activity with a reason (staff): its registrations are cancelled and every registrant is
    emailed; sent again, it answers the cancelled activity and announces nothing more."""
    return await cancellations.cancel_activity(
        conn=conn, staff=staff, activity_id=activity_id, request=body, provider=settings.provider_name
    )


@router.post("/activities/{activity_id}/sessions", status_code=201, response_model=schemas.Session)
async def add_session(
    activity_id: uuid.UUID, body: schemas.SessionCreate, conn: ConnDep, staff: StaffOnly
) -> schemas.Session:
    """Add a session with its event code (staff)."""
    return await service.add_session(conn=conn, staff=staff, activity_id=activity_id, request=body)


@router.get("/activities/{activity_id}/sessions", response_model=list[schemas.StaffSession])
async def list_sessions(activity_id: uuid.UUID, conn: ConnDep, staff: StaffOnly) -> list[schemas.StaffSession]:
    """The activity's sessions with their event codes and how often each was used (staff)."""
    return await service.sessions_with_codes(conn=conn, activity_id=activity_id)


@router.post("/sessions/{session_id}/code", response_model=schemas.StaffSession, responses={**_STAFF, **_NOT_FOUND})
async def renew_event_code(session_id: uuid.UUID, conn: ConnDep, staff: StaffOnly) -> schemas.StaffSession:
    """Give a session a new event code (staff), valid from now as long as the old one was; the old one stops working."""
    return await service.renew_event_code(conn=conn, staff=staff, session_id=session_id)


@router.post("/activities/{activity_id}/registrations", status_code=201, response_model=schemas.Registration)
async def register(
    activity_id: uuid.UUID,
    body: schemas.RegistrationCreate,
    conn: ConnDep,
    learner: CurrentUser,
    key: IdempotencyKey = None,
) -> schemas.Registration:
    """Register the signed-in learner for an activity. Sent again with the same Idempotency-Key, it answers as it did
    the first time (one registration, one seat, one confirmation)."""
    return await idempotency.once(
        conn,
        key,
        caller=learner.id,
        operation=f"POST /activities/{activity_id}/registrations",
        request=body,
        answer=schemas.Registration,
        run=lambda: registrations.register(conn=conn, learner=learner, activity_id=activity_id, request=body),
    )


@router.get("/activities/{activity_id}/registrations", response_model=list[schemas.RosterEntry])
async def roster(
    activity_id: uuid.UUID,
    conn: ConnDep,
    staff: OfficeOnly,
    cancelled: Annotated[bool, Query(description="include cancelled registrations")] = False,
) -> list[schemas.RosterEntry]:
    """Staff and the help desk: the activity's roster, by last name: each registration with the learner's name, the
    address they registered with, category, fee and status."""
    return await registrations.roster(conn=conn, activity_id=activity_id, cancelled_too=cancelled)


@router.get(
    "/activities/{activity_id}/registrations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the roster as CSV"}},
)
async def roster_csv(
    activity_id: uuid.UUID,
    conn: ConnDep,
    staff: OfficeOnly,
    cancelled: Annotated[bool, Query(description="include cancelled registrations")] = False,
) -> Response:
    """Staff and the help desk: the roster as a CSV file (UTF-8 with a byte-order mark, so spreadsheets read names as
    they are)."""
    entries = await registrations.roster(conn=conn, activity_id=activity_id, cancelled_too=cancelled)
    return Response(
        "\ufeff" + registrations.roster_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="roster-{activity_id}.csv"'},
    )


@router.get("/registrations/mine", response_model=list[schemas.Registration])
async def my_registrations(conn: ConnDep, learner: CurrentUser) -> list[schemas.Registration]:
    """The signed-in learner's registrations."""
    return await registrations.registrations_of(conn=conn, learner=learner)


@router.get("/learners/{learner_id}/registrations", response_model=list[schemas.Registration], responses=_HELP_DESK)
async def learner_registrations(learner_id: uuid.UUID, conn: ConnDep, _: SupportOnly) -> list[schemas.Registration]:
    """Support and admin: one learner's registrations, cancelled ones too, newest first (their help-desk page)."""
    return await registrations.registrations_of_learner(conn=conn, learner_id=learner_id)


@router.post("/registrations/{registration_id}/cancel", response_model=schemas.Registration)
async def cancel_registration(
    registration_id: uuid.UUID,
    conn: ConnDep,
    caller: CurrentUser,
    body: schemas.RegistrationCancellationRequest | None = None,
) -> schemas.Registration:
    """Cancel a registration, freeing its seat: the learner before the activity starts, staff any time (with a
    `reason` when it is someone else's: 422 without one)."""
    reason = body.reason if body else None
    return await registrations.cancel_registration(
        conn=conn, caller=caller, registration_id=registration_id, reason=reason
    )


@router.post("/attendance/event-code", response_model=schemas.Attendance)
async def enter_event_code(body: schemas.EventCodeEntry, conn: ConnDep, learner: CurrentUser) -> schemas.Attendance:
    """Enter the code given at a session: records attendance and unlocks claiming credit."""
    return await attendance.enter_event_code(conn=conn, learner=learner, code=body.code)


@router.post("/sessions/{session_id}/attendance", response_model=schemas.EmailAttendanceResults)
async def record_attendance_by_email(
    session_id: uuid.UUID, body: schemas.AttendanceByEmail, conn: ConnDep, staff: StaffOnly
) -> schemas.EmailAttendanceResults:
    """Record attendance from attendees' addresses (staff): now for a verified address, once verified for others."""
    return await attendance.record_emails(conn=conn, staff=staff, session_id=session_id, request=body)


@router.get("/sessions/{session_id}/attendance", response_model=schemas.SessionAttendance)
async def session_attendance(session_id: uuid.UUID, conn: ConnDep, staff: StaffOnly) -> schemas.SessionAttendance:
    """A session's recorded attendance and the addresses still pending or attached since (staff)."""
    return await attendance.session_attendance(conn=conn, session_id=session_id)


@router.get("/office/reports/registrations", response_model=schemas.RegistrationsReport, responses=REPORT_RESPONSES)
async def registrations_report(
    query: Annotated[ReportQuery, Query()], conn: ConnDep, staff: StaffOnly
) -> schemas.RegistrationsReport:
    """Staff: registrations made in the period, per bucket and attendee category: confirmed, cancelled since, fees."""
    return await reports.registrations_report(conn=conn, query=query)


@router.get("/office/reports/attendance", response_model=schemas.AttendanceReport, responses=REPORT_RESPONSES)
async def attendance_report(
    query: Annotated[ReportQuery, Query()], conn: ConnDep, staff: StaffOnly
) -> schemas.AttendanceReport:
    """Staff: attendance recorded in the period, per bucket and session."""
    return await reports.attendance_report(conn=conn, query=query)
