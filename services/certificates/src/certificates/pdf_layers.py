"""One PDF page drawn from the pages of others, laid over each other in order: how a certificate is put together from
its activity's backdrop and the learner's own parts (rendering.py).

Each page goes in whole, as a form of its own, so what a layer draws is exactly what its page drew; the layers' text
follows in the order of the layers, which is the order a reader (or a screen reader, or copying the text) meets it.
Pure: no database, no broker, no network.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pikepdf

Layer = tuple[bytes, int]  # a PDF and the index of one of its pages


def lay_over(layers: Sequence[Layer], *, described_by: bytes) -> bytes:
    """One page, the size of the first layer's, with each layer's page drawn over the ones before it; the links and
    bookmarks of every layer; the document information (title, author, dates) and language of `described_by`. The
    same bytes for the same layers."""
    out = pikepdf.new()
    opened: dict[bytes, pikepdf.Pdf] = {}
    try:
        for pdf in (*(pdf for pdf, _ in layers), described_by):
            if pdf not in opened:
                opened[pdf] = pikepdf.open(io.BytesIO(pdf))
        pages = [opened[pdf].pages[index] for pdf, index in layers]
        page = out.add_blank_page(page_size=(float(pages[0].mediabox[2]), float(pages[0].mediabox[3])))
        forms = pikepdf.Dictionary()
        drawn = []
        links = pikepdf.Array()
        for i, source in enumerate(pages):
            forms[f"/L{i}"] = out.copy_foreign(source.as_form_xobject())
            drawn.append(f"q /L{i} Do Q")
            for annotation in source.obj.get("/Annots", ()):
                if "/P" in annotation:  # the page it sat on: copying it would bring the whole source page along
                    raise ValueError("an annotation of a layer names its page")
                links.append(out.copy_foreign(annotation))
        page.obj.Resources = pikepdf.Dictionary(XObject=forms)
        page.obj.Contents = out.make_stream("\n".join(drawn).encode())
        if links:
            page.obj.Annots = links
        titles = {pdf: _bookmarks(document) for pdf, document in opened.items()}  # each document's read once
        bookmarks = [
            title for pdf, index in layers for title in titles[pdf].get(opened[pdf].pages[index].obj.objgen, [])
        ]
        if bookmarks:
            with out.open_outline() as outline:
                outline.root.extend(pikepdf.OutlineItem(title, 0) for title in bookmarks)
        described = opened[described_by]
        out.docinfo = out.make_indirect(pikepdf.Dictionary(dict(described.docinfo.items())))
        if "/Lang" in described.Root:
            out.Root.Lang = described.Root.Lang
        buffer = io.BytesIO()
        # Deterministic: no random /ID, no timestamp of its own (the dates are the described document's).
        out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    finally:
        for document in opened.values():
            document.close()
    return buffer.getvalue()


def _bookmarks(pdf: pikepdf.Pdf) -> dict[tuple[int, int], list[str]]:
    """The titles of the top-level bookmarks of `pdf`, by the page (its object's id) each leads to."""
    titles: dict[tuple[int, int], list[str]] = {}
    with pdf.open_outline() as outline:
        for item in outline.root:
            if isinstance(item.destination, pikepdf.Array):
                titles.setdefault(item.destination[0].objgen, []).append(item.title)
    return titles
