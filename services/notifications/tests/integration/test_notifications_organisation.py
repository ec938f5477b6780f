"""organisation.updated applied through the kit's inbox against a real PostgreSQL: every email composed afterwards is
the new organisation's (sender name, subject, footer, colours); an older revision or a redelivery changes nothing."""

import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from notifications_testing import (
    address,
    apply,
    certificate_issued,
    messages_in_db,
    organisation_updated,
    password_reset,
    text_and_html,
    user_registered,
)

from notifications import message_log
from opencme_kit.auth import Principal


def email_of(row) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(row["content"])


async def newest_email_to(pool, to: str) -> EmailMessage:
    rows = await messages_in_db(pool, to_address=to)
    assert rows and rows[-1]["status"] == "queued", [dict(r) for r in rows]
    return email_of(rows[-1])


async def inbox_rows(pool, event_id: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id)


def footer_of(message: EmailMessage) -> str:
    return text_and_html(message)[0].replace("\r\n", "\n").rpartition("\n--\n")[2]


async def test_the_next_email_after_organisation_updated_is_the_new_organisations(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email))
    before = await newest_email_to(pool, email)
    assert before["From"].addresses[0].display_name == "Example Medical School CME"  # ORG_NAME until identity's

    await apply(pool, settings, organisation_updated(2, brand_colour="#7A1F3D"))
    await apply(pool, settings, password_reset(email, user_id=learner))

    after = await newest_email_to(pool, email)
    text, html = text_and_html(after)
    assert after["Subject"] == "Reset your Lakeside Health CME r2 password"
    assert after["From"].addresses[0].display_name == "Lakeside Health CME r2"
    assert footer_of(after) == (
        "Lakeside Health CME r2\n2 Harbor Road\nSuite 200\nCleveland, OH 44114\nPhone: +1 216 555 0002\n"
        "Support: help-r2@lakeside.example.org\nhttps://cme.example.org\n"
    )
    assert "Example Medical School" not in text + html and "+1 617 555 0100" not in text + html
    assert "border-bottom:3px solid #7A1F3D;" in html  # the header rule
    assert "background:#7A1F3D;color:#ffffff;" in html  # the button, its label readable on it
    assert 'href="mailto:help-r2@lakeside.example.org"' in html and "Suite 200<br>" in html
    # An email composed before keeps what it was composed with.
    [first] = await messages_in_db(pool, to_address=email, kind="verify_email")
    assert email_of(first)["From"].addresses[0].display_name == "Example Medical School CME"


async def test_a_light_brand_colour_gets_black_button_labels(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, organisation_updated(1, brand_colour="#ffd700"))
    await apply(pool, settings, user_registered(learner, email))

    html = text_and_html(await newest_email_to(pool, email))[1]
    assert "background:#ffd700;color:#000000;" in html


async def test_an_email_waiting_for_its_address_is_composed_with_the_organisation_of_when_it_is_released(
    pool, settings
):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, certificate_issued(learner))  # parked: no address yet
    await apply(pool, settings, organisation_updated(4))
    await apply(pool, settings, user_registered(learner, email, verify_url=None))

    [row] = await messages_in_db(pool, kind="certificate_issued", learner_id=learner)
    assert row["status"] == "queued" and email_of(row)["From"].addresses[0].display_name == "Lakeside Health CME r4"


async def test_a_resend_is_composed_with_the_organisation_of_now(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email))
    [original] = await messages_in_db(pool, to_address=email)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE messages SET status = 'sent', sent_at = now() WHERE id = $1", original["id"])
    await apply(pool, settings, organisation_updated(3))

    async with pool.acquire() as conn:
        copy = await message_log.resend(
            conn, message_id=original["id"], principal=Principal(learner, frozenset({"learner"})), settings=settings
        )

    assert copy.subject == "Confirm your email address for Lakeside Health CME r3"
    assert "Phone: +1 216 555 0003" in footer_of(await newest_email_to(pool, email))


async def test_an_older_revision_arriving_late_changes_nothing(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, verify_url=None))
    await apply(pool, settings, organisation_updated(7))
    await apply(pool, settings, organisation_updated(6))
    await apply(pool, settings, organisation_updated(7, name="Same Revision, Other Name"))

    await apply(pool, settings, password_reset(email, user_id=learner))

    message = await newest_email_to(pool, email)
    assert message["From"].addresses[0].display_name == "Lakeside Health CME r7"
    assert "Phone: +1 216 555 0007" in footer_of(message)


async def test_a_redelivered_organisation_update_is_a_no_op(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, verify_url=None))
    first, second = organisation_updated(1), organisation_updated(2)
    await apply(pool, settings, first)
    await apply(pool, settings, second)

    await apply(pool, settings, first)  # Kafka delivers it again
    await apply(pool, settings, second)

    assert (await inbox_rows(pool, first.event_id), await inbox_rows(pool, second.event_id)) == (1, 1)
    await apply(pool, settings, password_reset(email, user_id=learner))
    assert (await newest_email_to(pool, email))["From"].addresses[0].display_name == "Lakeside Health CME r2"
