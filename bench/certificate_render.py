"""Certificate PDF rendering speed: renders N certificates in this process and prints median, p99 and rate.

    .venv/bin/python bench/certificate_render.py [--n 50] [--credits 1]

The first render (font and stylesheet set-up) is a warm-up and not counted. Each certificate differs in number, code
and learner so that no cache can serve a repeat.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from datetime import date
from decimal import Decimal

from certificates.rendering import (
    CertificateCredit,
    CertificateDocument,
    render_certificate_pdf,
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


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with fewer than 100 samples p99 is the slowest render."""
    return sorted_values[math.ceil(fraction * len(sorted_values)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="certificates to render (default 50)")
    parser.add_argument("--credits", type=int, default=1, choices=(0, 1, 2, 3), help="credit types per certificate")
    args = parser.parse_args()

    render_certificate_pdf(make_document(0, args.credits))  # warm-up

    timings_ms = []
    started = time.perf_counter()
    for i in range(1, args.n + 1):
        t0 = time.perf_counter()
        pdf = render_certificate_pdf(make_document(i, args.credits))
        timings_ms.append((time.perf_counter() - t0) * 1000)
        assert pdf.startswith(b"%PDF-")
    elapsed = time.perf_counter() - started

    timings_ms.sort()
    print(f"certificates: {args.n} (credit types each: {args.credits}, one process, one thread)")
    print(f"median: {statistics.median(timings_ms):.1f} ms")
    print(f"p99:    {percentile(timings_ms, 0.99):.1f} ms")
    print(f"rate:   {args.n / elapsed:.2f} certificates/s")


if __name__ == "__main__":
    main()
