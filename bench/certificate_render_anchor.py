"""The anchor of bench/certificate_render.py: raw WeasyPrint on the certificate's own HTML and CSS.

    .venv/bin/python bench/certificate_render_anchor.py [--n 50]

What a certificate costs WeasyPrint alone: the HTML the service renders (regular layout, QR code inline) is made
beforehand, outside the timing, and each PDF is written from it with the stylesheet parsed once and one
FontConfiguration for every render. The service's render adds to this its own work (the template, the QR code, the
check that the content fits) and must stay within twice the anchor. Run alone it prints its own median, p99 and rate;
bench/certificate_render.py imports `Anchor` and measures both A B A B in one run.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import weasyprint
from certificate_render import make_document
from weasyprint.text.fonts import FontConfiguration

from certificates.rendering import render_certificate_html, stylesheet_text


class Anchor:
    """Raw WeasyPrint with one FontConfiguration and the certificate's stylesheet parsed once against it."""

    def __init__(self) -> None:
        self.fonts = FontConfiguration()
        self.css = weasyprint.CSS(string=stylesheet_text("certificate.css"), font_config=self.fonts)

    @staticmethod
    def html(i: int, credit_types: int) -> str:
        """The HTML of the service's certificate number `i`, without its stylesheet (the anchor brings it)."""
        return render_certificate_html(make_document(i, credit_types), inline_css=False)

    def render(self, html: str) -> bytes:
        pdf: bytes = weasyprint.HTML(string=html).write_pdf(stylesheets=[self.css], font_config=self.fonts)
        return pdf


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with fewer than 100 samples p99 is the slowest render."""
    return sorted_values[math.ceil(fraction * len(sorted_values)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="certificates to render (default 50)")
    parser.add_argument("--credits", type=int, default=1, choices=(0, 1, 2, 3), help="credit types per certificate")
    args = parser.parse_args()
    anchor = Anchor()
    pages = [anchor.html(i, args.credits) for i in range(args.n + 1)]
    anchor.render(pages[0])  # warm-up
    timings_ms = []
    started = time.perf_counter()
    for html in pages[1:]:
        t0 = time.perf_counter()
        anchor.render(html)
        timings_ms.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    timings_ms.sort()
    print(f"anchor: raw WeasyPrint, shared CSS + FontConfiguration, {args.n} certificates")
    print(f"median: {statistics.median(timings_ms):.1f} ms")
    print(f"p99:    {percentile(timings_ms, 0.99):.1f} ms")
    print(f"rate:   {args.n / elapsed:.2f} certificates/s")


if __name__ == "__main__":
    main()
