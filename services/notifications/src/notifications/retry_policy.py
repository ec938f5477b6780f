"""When a failed delivery is tried again: which SMTP answers are final, and how long to wait before the next try.

Pure rules; the sender (sender.py) applies them to what the mail server answered.
"""

from __future__ import annotations

from typing import Literal

# Where in the SMTP conversation the server answered.
Phase = Literal["connect", "mail", "rcpt", "data"]


def is_permanent(code: int | None, phase: Phase) -> bool:
    """A 5xx about the recipient or the content will not change by retrying; everything else is treated as
    transient: 4xx, network errors, and 5xx on connect/HELO/AUTH/MAIL FROM, which are about our server or our
    configuration and would otherwise fail every queued message for good (552 at MAIL FROM is the message's size)."""
    if code is None or not 500 <= code < 600:
        return False
    return phase in ("rcpt", "data") or (phase == "mail" and code == 552)


def retry_delay(attempts: int, *, base: float, cap: float, rand: float) -> float:
    """Seconds before the next try after the `attempts`-th transient failure: doubling from `base`, capped at `cap`,
    with jitter in [delay/2, delay] so that a backlog does not retry in lockstep after an outage. `rand` in [0, 1)."""
    delay = min(cap, base * 2.0 ** min(max(attempts, 1) - 1, 40))
    return delay * (0.5 + rand / 2)
