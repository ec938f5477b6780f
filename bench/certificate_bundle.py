"""A bundle of certificate PDFs: its size and the time to make it, beside one PDF raw WeasyPrint writes of them.

    .venv/bin/python bench/certificate_bundle.py [--n 100] [--rounds 4] [--activities N]

Renders `--n` certificates once with the service's renderer (what the worker freezes), then measures A B A B, `--rounds`
times each: A is `combine_pdfs` (what POST /certificates/bundle runs on the frozen PDFs: every page copied as it is,
identical objects kept once), B the anchor, raw WeasyPrint rendering the same certificates and writing all their pages
as one PDF (one set of font subsets for all pages). Prints each side's size and median / p99 time, and the ratios
beside issue 11's goals (size at most 2x the anchor's, at most 1.5 s). The certificates are of `--activities` activities
(default: each of its own, as a learner's bundle is; with 1, all of one, whose backdrop the bundle then holds once).
"""

from __future__ import annotations

import argparse
import statistics
import time

import weasyprint
from certificate_render import another_activity, percentile

from certificates import rendering
from certificates.bundling import combine_pdfs
from certificates.rendering import render_certificate_html


def one_document(documents: list[rendering.CertificateDocument]) -> bytes:
    """The anchor: every certificate rendered by raw WeasyPrint, their pages written as one PDF (one set of fonts)."""
    typesetter = rendering._typesetter
    rendered = [
        weasyprint.HTML(
            string=render_certificate_html(doc, inline_css=False), url_fetcher=typesetter.url_fetcher
        ).render(stylesheets=[typesetter.certificate], font_config=typesetter.fonts)
        for doc in documents
    ]
    return rendered[0].copy([document.pages[0] for document in rendered]).write_pdf()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--activities", type=int, default=0, help="of how many activities (default: n)")
    args = parser.parse_args()

    documents = [another_activity(i, 1, every=args.n // (args.activities or args.n)) for i in range(args.n)]
    started = time.perf_counter()
    frozen = [rendering.render_certificate_pdf(doc) for doc in documents]
    print(
        f"rendered {args.n} certificates of {len({doc.activity_title for doc in documents})} activities in "
        f"{time.perf_counter() - started:.1f} s "
        f"(each alone: {statistics.median(len(p) for p in frozen) / 1024:.1f} KiB median)"
    )

    bundle_times: list[float] = []
    anchor_times: list[float] = []
    bundle = anchor = b""
    for _ in range(args.rounds):  # A B A B
        started = time.perf_counter()
        bundle = combine_pdfs(frozen)
        bundle_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        anchor = one_document(documents)
        anchor_times.append(time.perf_counter() - started)

    for label, size, times in (
        ("A  service: combine_pdfs of the frozen PDFs", len(bundle), bundle_times),
        ("B  anchor: raw WeasyPrint, one PDF of all pages", len(anchor), anchor_times),
    ):
        ordered = sorted(times)
        print(
            f"{label:48} size {size / 1024:8.1f} KiB   median {statistics.median(ordered) * 1000:7.0f} ms   "
            f"p99 {percentile(ordered, 0.99) * 1000:7.0f} ms"
        )
    print(
        f"size A / B: {len(bundle) / len(anchor):.2f} (goal: at most 2); "
        f"bundle median {statistics.median(bundle_times):.2f} s (goal: at most 1.5 s)"
    )


if __name__ == "__main__":
    main()
