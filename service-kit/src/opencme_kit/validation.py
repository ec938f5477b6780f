"""Rules a request model checks across several of its fields, reported on the field a form must mark.

A pydantic model validator that raises a plain ValueError is reported on the whole model (`body`), which no form can
show next to an input. Raise `FieldInvalid` instead; the kit's problem handler puts it on the named field(s), under
the model's own place in the request (`fees.guest`, `credits.1.amount`):

    @model_validator(mode="after")
    def _dates_in_order(self) -> ActivityCreate:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise FieldInvalid("ends_at", "must not be before starts_at")
        return self
"""

from __future__ import annotations


class FieldInvalid(ValueError):
    """`fields`: the field, or the fields, of this model that a form must mark; dotted for nested values."""

    def __init__(self, fields: str | tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.fields = (fields,) if isinstance(fields, str) else fields
        self.reason = reason
