"""The kit's text types refuse what cannot be stored or would mislead, normalise what is kept, and say which field."""

import unicodedata

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from opencme_kit import problems
from opencme_kit.text import BIDI_CONTROLS, Comment, Description, Name, PostalAddress, Title


class Form(BaseModel):
    name: Name
    title: Title = "A title"
    comment: Comment = ""
    description: Description = ""
    address: PostalAddress = "1 Main Street"


def refusal(**fields: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        Form(**{"name": "Ada", **fields})
    (error,) = refused.value.errors()
    why = error["ctx"]["error"] if error["type"] == "value_error" else error["msg"]
    return ".".join(map(str, error["loc"])), str(why)


@pytest.mark.parametrize("field", ["name", "title", "comment", "description", "address"])
@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x85", "\x1b", "\x7f"])
def test_unstorable_and_control_characters_are_refused_in_every_kind(field, bad):
    where, why = refusal(**{field: f"before{bad}after"})
    assert where == field and why


@pytest.mark.parametrize("field", ["name", "title"])
@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_bidirectional_controls_are_refused_in_names_and_titles(field, control):
    assert refusal(**{field: f"Jane{control}Doe"}) == (
        field,
        f"must not contain a bidirectional control character (U+{ord(control):04X})",
    )


def test_free_text_keeps_right_to_left_writing_tabs_and_line_breaks_and_makes_crlf_lf():
    form = Form(name="Ada", comment="\u202bשלום\u202c\r\nsecond line\tand a tab\rthird")
    assert form.comment == "\u202bשלום\u202c\nsecond line\tand a tab\nthird"


@pytest.mark.parametrize("field", ["name", "title"])
def test_a_single_line_field_refuses_line_breaks_and_tabs(field):
    assert refusal(**{field: "two\nlines"}) == (field, "must be one line of text without a line break")
    assert refusal(**{field: "a\ttab"})[1] == "must be one line of text without a control character (U+0009)"


def test_a_postal_address_is_up_to_five_trimmed_lines_of_one_line_text_each():
    address = "  9500 Euclid Avenue \r\n\r\nCleveland, OH 44195\rUSA\n"
    assert Form(name="Ada", address=address).address == "9500 Euclid Avenue\nCleveland, OH 44195\nUSA"
    assert refusal(address="1\n2\n3\n4\n5\n6") == ("address", "at most 5 lines")
    assert refusal(address=" \n ") == ("address", "must not be empty")
    assert refusal(address="Main\u202eStreet")[0] == "address"
    assert refusal(address="Main\tStreet")[0] == "address"


def test_names_are_stripped_normalised_and_bounded():
    assert Form(name="  Ade\u0301le  ").name == "Ad\u00e9le"
    assert refusal(name="   ") == ("name", "String should have at least 1 character")
    assert refusal(name="x" * 101) == ("name", "String should have at most 100 characters")
    assert len(Form(name="e\u0301" * 100).name) == 100  # the bound counts what is stored, after NFC


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=BIDI_CONTROLS)))
def test_any_printable_line_is_kept_as_its_nfc_form(text):
    stripped = unicodedata.normalize("NFC", text).strip()
    if 1 <= len(stripped) <= 300:
        assert Form(name="Ada", title=text).title == stripped


async def test_a_refusal_reaches_the_client_as_a_422_naming_the_field_with_the_validators_sentence():
    app = FastAPI()
    problems.install(app)

    @app.post("/forms")
    async def submit(form: Form) -> Form:
        return form

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/forms", json={"name": "Jane\u202eeoD"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "reason": "must not contain a bidirectional control character (U+202E)"}
    ]
