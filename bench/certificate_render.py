"""Certificate PDF rendering speed and memory: the service's renderer against raw WeasyPrint, A B A B in one run.

    .venv/bin/python bench/certificate_render.py [--n 100] [--rounds 4] [--credits 1] [--memory 2000]

A is `render_certificate_pdf` (what the certificates worker runs for every certificate), B the anchor
(bench/certificate_render_anchor.py: raw WeasyPrint on the same HTML and CSS, the stylesheet parsed once, one
FontConfiguration). Both render the same certificates, in alternating rounds of n / rounds each, after one warm-up
render apiece; each prints median, p99 and rate, and the ratio of the medians (the goal: at most 2x). Each
certificate differs in number, code and learner, so that no cache can serve a repeat; they share their activity, as
a surge's do, so A lays each learner's parts over the activity's backdrop, drawn once. Beside them, in the same
rounds: A1, the first certificate of an activity (its backdrop drawn first: each certificate another activity), and
A0, the certificate laid out whole (`render_whole_certificate_pdf`, what A falls back to for a name too long for the
backdrop's line).

Then memory: RSS of this process before and after `--memory` more renders by the service's renderer (the goal: flat;
a FontConfiguration per render used to keep ~230 KiB each). `--memory 0` skips it.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from certificates.rendering import (
    CertificateCredit,
    CertificateDocument,
    render_certificate_pdf,
    render_whole_certificate_pdf,
)

STATEMENTS = {
    "AMA PRA Category 1 Credit™": (
        "Example University School of Medicine is accredited by the Accreditation Council for Continuing Medical "
        "Education (ACCME) to provide continuing medical education for physicians. Example University School of "
        "Medicine designates this live activity for a maximum of 2.00 AMA PRA Category 1 Credits™. Physicians should "
        "claim only the credit commensurate with the extent of their participation in the activity."
    ),
    "ABIM MOC point": (
        "Successful completion of this CME activity, which includes participation in the evaluation component, "
        "enables the participant to earn up to 2.00 Medical Knowledge MOC points in the American Board of Internal "
        "Medicine's (ABIM) Maintenance of Certification (MOC) program."
    ),
    "ANCC contact hour": "Example University School of Medicine designates this activity for 2.00 ANCC contact hours.",
}


def make_document(i: int, credit_types: int) -> CertificateDocument:
    return CertificateDocument(
        certificate_number=f"OC-2026-{i:06d}",
        verification_code=f"BNCH-{i:04d}-TPA{i % 10}",
        verification_url=f"https://cme.example.org/verify/BNCH-{i:04d}-TPA{i % 10}",
        learner_name=f"Learner Number {i} Doe",
        learner_degree="MD",
        activity_title="Updates in Hospital Medicine 2026: Sepsis, Heart Failure and Perioperative Care",
        activity_format="Live course",
        activity_dates="March 3–4, 2026",
        activity_location="Boston, MA",
        credits=tuple(
            CertificateCredit(credit_type_label=label, amount=Decimal("1.75"), statement=statement)
            for label, statement in list(STATEMENTS.items())[:credit_types]
        ),
        provider_name="Example University School of Medicine",
        provider_address="Office of Continuing Medical Education · 100 Main Street, Boston, MA 02115",
        issued_on=date(2026, 3, 20),
    )


def another_activity(i: int, credit_types: int, every: int = 1) -> CertificateDocument:
    """Certificate i, of activity i // every (the activity's title says which)."""
    doc = make_document(i, credit_types)
    return dataclasses.replace(doc, activity_title=f"{doc.activity_title} (part {i // every})")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with fewer than 100 samples p99 is the slowest render."""
    return sorted_values[math.ceil(fraction * len(sorted_values)) - 1]


def rss_kib() -> int:
    """This process's resident set size now (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class Side:
    """One side of the comparison: its render call and the times of its renders so far."""

    def __init__(self, name: str, render: Callable[[int], bytes]) -> None:
        self.name = name
        self.render = render
        self.timings_ms: list[float] = []
        self.elapsed = 0.0

    def run(self, numbers: range) -> None:
        started = time.perf_counter()
        for i in numbers:
            t0 = time.perf_counter()
            pdf = self.render(i)
            self.timings_ms.append((time.perf_counter() - t0) * 1000)
            assert pdf.startswith(b"%PDF-")
        self.elapsed += time.perf_counter() - started

    def report(self) -> float:
        timings = sorted(self.timings_ms)
        median = statistics.median(timings)
        print(
            f"{self.name:<44} median {median:7.1f} ms   p99 {percentile(timings, 0.99):7.1f} ms   "
            f"rate {len(timings) / self.elapsed:6.2f} certificates/s"
        )
        return median


def main() -> None:
    from certificate_render_anchor import Anchor  # here: that module imports make_document from this one

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="certificates per side (default 100)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per side (default 4)")
    parser.add_argument("--credits", type=int, default=1, choices=(0, 1, 2, 3), help="credit types per certificate")
    parser.add_argument("--memory", type=int, default=2000, help="renders for the memory check (default 2000; 0: skip)")
    args = parser.parse_args()

    anchor = Anchor()
    # The anchor's HTML is the document it is handed, made before the timing; the service makes its own.
    anchor_html = {i: anchor.html(i, args.credits) for i in range(args.n + 1)}
    credits = args.credits
    service = Side("A  service: render_certificate_pdf", lambda i: render_certificate_pdf(make_document(i, credits)))
    raw = Side("B  anchor: raw WeasyPrint, shared CSS + fonts", lambda i: anchor.render(anchor_html[i]))
    first = Side("A1 service, first of its activity", lambda i: render_certificate_pdf(another_activity(i, credits)))
    whole = Side("A0 service, laid out whole", lambda i: render_whole_certificate_pdf(make_document(i, credits)))
    sides = (service, raw, first, whole)
    for side in sides:
        side.render(0)  # warm-up: fonts and stylesheets set up once

    per_round = max(1, args.n // args.rounds)
    for start in range(1, args.n + 1, per_round):
        numbers = range(start, min(start + per_round, args.n + 1))
        for side in sides:
            side.run(numbers)

    print(f"certificates: {args.n} per side (credit types each: {args.credits}; one process, one thread)")
    a, b, a1, a0 = (side.report() for side in sides)
    print(f"ratio of medians A / B: {a / b:.2f} (goal: at most 2); A1 / B: {a1 / b:.2f}; A0 / B: {a0 / b:.2f}")

    if args.memory:
        before = rss_kib()
        started = time.perf_counter()
        for i in range(args.memory):  # another activity every 50, so that kept backdrops are let go of too
            render_certificate_pdf(another_activity(10_000 + i, args.credits, every=50))
        after = rss_kib()
        took = time.perf_counter() - started
        print(
            f"memory over {args.memory} more renders ({took:.0f} s): RSS {before / 1024:.1f} MiB before, "
            f"{after / 1024:.1f} MiB after ({(after - before) / args.memory:+.1f} KiB per certificate)"
        )


if __name__ == "__main__":
    main()
