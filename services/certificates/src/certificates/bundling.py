"""Several frozen certificate PDFs joined into one, with one copy of each font for all of them.

Every page is copied as it was frozen: its content stream, the certificate's own drawing, is never touched or
re-rendered. What changes is where its fonts come from. Each frozen PDF carries its own subset of each DejaVu face
(the glyphs its text used); WeasyPrint subsets with HarfBuzz's "retain glyph ids", so glyph 68 is the same "a" in every
subset of the same face, and a page's text refers to glyphs by those ids. The bundle therefore replaces the hundred
subsets of a face with one font holding the union of their glyphs, widths and Unicode mappings, and every page points
at it: a 100-certificate bundle then weighs about what one document of 100 pages would, instead of 100 copies of the
fonts.

Subsets are only merged when they agree: a glyph id that has different outlines or a different width in two subsets
(a certificate frozen before the server's fonts were upgraded, say) starts another shared font, so a page never shows
a glyph other than the one it was frozen with.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import re
import string
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pikepdf
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

# 'maxp' version 1.0 after its version and numGlyphs, in the table's order.
_MAXP_LIMITS = (
    "maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxZones", "maxTwilightPoints",
    "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
    "maxComponentElements", "maxComponentDepth",
)  # fmt: skip
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_BFCHAR_BLOCK = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)


def combine_pdfs(pdfs: Iterable[bytes]) -> bytes:
    """One PDF with every page of `pdfs`, in order, each page's content as it was frozen, the fonts shared, and a
    bookmark per document titled as the document is (the certificate's number and activity)."""
    combined = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(pdf)) for pdf in pdfs]  # open until saved: their pages are copied lazily
    starts: list[tuple[int, str]] = []
    for number, source in enumerate(sources, start=1):
        starts.append((len(combined.pages), str(source.docinfo.get("/Title", f"Document {number}"))))
        combined.pages.extend(source.pages)
    _share_fonts(combined)
    _share_identical_forms(combined)
    with combined.open_outline() as outline:
        outline.root.extend(pikepdf.OutlineItem(title, page) for page, title in starts)
    out = io.BytesIO()
    # Deterministic: the same certificates in the same order give the same bytes (no random /ID, no timestamps).
    combined.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
    for source in sources:
        source.close()
    return out.getvalue()


@dataclass
class _Subset:
    """One embedded subset of a TrueType face, as WeasyPrint wrote it (glyph ids retained)."""

    font: pikepdf.Dictionary  # the Type0 font dictionary the pages name
    data: bytes  # the FontFile2 stream
    glyphs: dict[int, bytes]  # glyph id -> its 'glyf' record, for every glyph with an outline
    metrics: dict[int, tuple[int, int]]  # glyph id -> (advance width, left side bearing) from 'hmtx'
    widths: dict[int, int]  # glyph id -> width in the PDF's /W (thousandths of an em)
    to_unicode: dict[int, bytes]  # glyph id -> UTF-16BE hex of the text it stands for
    bounds: tuple[int, int, int, int]  # 'head' xMin, yMin, xMax, yMax over its glyphs
    limits: tuple[int, ...]  # 'maxp' from maxPoints to maxComponentDepth (the largest glyph's needs)


@dataclass
class _SharedFont:
    """Subsets of one face that agree wherever they overlap, and the union being built from them."""

    members: list[_Subset] = field(default_factory=list)
    glyphs: dict[int, bytes] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)

    def accepts(self, subset: _Subset) -> bool:
        return all(self.glyphs.get(gid, data) == data for gid, data in subset.glyphs.items()) and all(
            self.widths.get(gid, width) == width for gid, width in subset.widths.items()
        )

    def add(self, subset: _Subset) -> None:
        self.members.append(subset)
        self.glyphs.update(subset.glyphs)
        self.widths.update(subset.widths)


def _share_fonts(pdf: pikepdf.Pdf) -> None:
    """Point every page's TrueType subsets at one merged font per face (per compatible group of subsets)."""
    by_face: dict[str, dict[tuple[int, int], _Subset]] = {}
    users: dict[tuple[int, int], list[tuple[pikepdf.Dictionary, pikepdf.Name]]] = {}
    for fonts, key in _font_entries(pdf):
        font = fonts[key]
        subset = _read_subset(font)
        if subset is None:
            continue
        face = str(font.BaseFont).split("+", 1)[-1]
        by_face.setdefault(face, {}).setdefault(font.objgen, subset)
        users.setdefault(font.objgen, []).append((fonts, key))
    for face, subsets in by_face.items():
        groups: list[_SharedFont] = []
        # Largest first: the first group's union then covers most glyphs, and later subsets are only checked.
        for subset in sorted(subsets.values(), key=lambda s: len(s.glyphs), reverse=True):
            group = next((g for g in groups if g.accepts(subset)), None)
            if group is None:
                group = _SharedFont()
                groups.append(group)
            group.add(subset)
        for group in groups:
            if len(group.members) < 2:
                continue
            shared = _merged_font(pdf, face, group)
            for member in group.members:
                for fonts, key in users[member.font.objgen]:
                    fonts[key] = shared


def _share_identical_forms(pdf: pikepdf.Pdf) -> None:
    """Point every page at one copy of each form that several draw alike: a certificate is drawn as its activity's
    backdrop with the learner's own parts over it, each a form, so the certificates of one activity carry the same
    backdrop. (Alike once their fonts are shared: the same drawing, the same resources.)"""
    kept: dict[bytes, pikepdf.Object] = {}
    memo: dict[tuple[int, int], bytes] = {}
    for page in pdf.pages:
        forms = page.obj.get("/Resources", pikepdf.Dictionary()).get("/XObject")
        if not isinstance(forms, pikepdf.Dictionary):
            continue
        for name in list(forms.keys()):
            form = forms[name]
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                forms[name] = kept.setdefault(_fingerprint(form, memo), form)


def _fingerprint(obj: object, memo: dict[tuple[int, int], bytes]) -> bytes:
    """A digest of what `obj` holds, the same for objects alike wherever they are (indirect ones by content)."""
    if not isinstance(obj, pikepdf.Object):  # a number or a boolean, which pikepdf hands over as Python's
        return f"{type(obj).__name__}:{obj}".encode()
    if obj.is_indirect:
        if obj.objgen in memo:
            return memo[obj.objgen]
        memo[obj.objgen] = b"@%d,%d" % obj.objgen  # where it is, should it (in a loop) lead back to itself
    digest = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream):
        digest.update(b"stream")
        digest.update(hashlib.sha256(obj.read_raw_bytes()).digest())
    if isinstance(obj, (pikepdf.Stream, pikepdf.Dictionary)):
        for key in sorted(obj.keys()):
            if key != "/Length":
                digest.update(key.encode() + _fingerprint(obj[key], memo))
    elif isinstance(obj, pikepdf.Array):
        digest.update(b"[" + b"".join(_fingerprint(item, memo) for item in obj) + b"]")
    else:
        digest.update(obj.unparse())
    fingerprint = digest.digest()
    if obj.is_indirect:
        memo[obj.objgen] = fingerprint
    return fingerprint


def _font_entries(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Name]]:
    """(a /Font resource dictionary, a name in it) for every font of every page, form XObject and pattern."""
    seen: set[tuple[int, int]] = set()

    def walk(resources: pikepdf.Dictionary) -> Iterator[tuple[pikepdf.Dictionary, pikepdf.Name]]:
        if resources.is_indirect:
            if resources.objgen in seen:
                return
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for key in fonts.keys():  # noqa: SIM118 (a pikepdf Dictionary iterates differently)
                yield fonts, pikepdf.Name(key)
        for kind in ("/XObject", "/Pattern"):
            children = resources.get(kind)
            if isinstance(children, pikepdf.Dictionary):
                for child in children.values():
                    inner = child.get("/Resources")
                    if isinstance(inner, pikepdf.Dictionary):
                        yield from walk(inner)

    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        if isinstance(resources, pikepdf.Dictionary):
            yield from walk(resources)


def _read_subset(font: pikepdf.Object) -> _Subset | None:
    """The subset behind a Type0 font as WeasyPrint writes it (Identity-H, a CIDFontType2 with an identity glyph
    map and an embedded TrueType file), or None for any other kind of font, which is then left as it is."""
    if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
        return None
    if font.get("/Encoding") != "/Identity-H" or "/ToUnicode" not in font:
        return None
    descendant = font.DescendantFonts[0]
    if descendant.get("/Subtype") != "/CIDFontType2" or descendant.get("/CIDToGIDMap") != "/Identity":
        return None
    file = descendant.FontDescriptor.get("/FontFile2")
    if file is None:
        return None
    data = file.read_bytes()
    tables = _sfnt_tables(data)  # raw: fontTools would build thousands of empty glyphs for each of a hundred subsets
    if not {b"head", b"hhea", b"hmtx", b"loca", b"glyf"} <= tables.keys() or len(tables.get(b"maxp", b"")) < 32:
        return None  # not TrueType outlines with a version 1.0 'maxp'
    glyphs = _glyph_records(tables[b"head"], tables[b"loca"], tables[b"glyf"])
    return _Subset(
        font=font,
        data=data,
        glyphs=glyphs,
        metrics=_horizontal_metrics(tables[b"hhea"], tables[b"hmtx"], glyphs),
        widths=_pdf_widths(descendant.get("/W", pikepdf.Array())),
        to_unicode=_unicode_map(font.ToUnicode.read_bytes()),
        bounds=struct.unpack_from(">4h", tables[b"head"], 36),
        limits=struct.unpack_from(f">{len(_MAXP_LIMITS)}H", tables[b"maxp"], 6),
    )


def _sfnt_tables(data: bytes) -> dict[bytes, bytes]:
    """The raw tables of a TrueType file by tag (its table directory read; nothing decoded)."""
    (count,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * index)
        tables[tag] = data[offset : offset + length]
    return tables


def _glyph_records(head: bytes, loca: bytes, glyf: bytes) -> dict[int, bytes]:
    """Every glyph with an outline. A subset that retains glyph ids has thousands of empty glyphs and a few dozen
    real ones, so this jumps from one offset change to the next instead of visiting every glyph."""
    long_offsets = struct.unpack_from(">h", head, 50)[0] == 1  # indexToLocFormat
    offsets = struct.unpack(f">{len(loca) // 4}L", loca) if long_offsets else struct.unpack(f">{len(loca) // 2}H", loca)
    scale = 1 if long_offsets else 2  # short offsets are stored halved
    glyphs = {}
    gid = 0
    last = len(offsets) - 1  # offsets has one entry more than there are glyphs
    while gid < last:
        gid = bisect.bisect_right(offsets, offsets[gid]) - 1  # the last glyph starting where this one starts
        if gid >= last:
            break
        glyphs[gid] = glyf[scale * offsets[gid] : scale * offsets[gid + 1]]
        gid += 1
    return glyphs


def _horizontal_metrics(hhea: bytes, hmtx: bytes, glyphs: dict[int, bytes]) -> dict[int, tuple[int, int]]:
    long_metrics = struct.unpack_from(">H", hhea, 34)[0]  # numberOfHMetrics
    metrics = {}
    for gid in glyphs:
        if gid < long_metrics:
            metrics[gid] = struct.unpack_from(">Hh", hmtx, 4 * gid)
        else:  # past the last long metric: its advance, and a bearing of its own
            advance = struct.unpack_from(">H", hmtx, 4 * (long_metrics - 1))[0]
            bearing = struct.unpack_from(">h", hmtx, 4 * long_metrics + 2 * (gid - long_metrics))[0]
            metrics[gid] = (advance, bearing)
    return metrics


def _pdf_widths(w: pikepdf.Object) -> dict[int, int]:
    """A CID font's /W array (`c [w1 w2 ...]` and `c_first c_last w` runs) as glyph id -> width."""
    items = list(w)
    widths: dict[int, int] = {}
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = int(width)
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                widths[gid] = int(items[i + 2])
            i += 3
    return widths


def _unicode_map(cmap: bytes) -> dict[int, bytes]:
    mapping: dict[int, bytes] = {}
    for block in _BFCHAR_BLOCK.findall(cmap):
        for code, text in _BFCHAR.findall(block):
            mapping.setdefault(int(code, 16), text.lower())
    return mapping


def _merged_font(pdf: pikepdf.Pdf, face: str, group: _SharedFont) -> pikepdf.Object:
    """One Type0 font with the union of the group's glyphs, built on its largest subset."""
    base = group.members[0]
    # Each glyph's record is copied byte for byte (recalculating the bounding boxes would re-encode every outline),
    # so the font-wide bounds and limits are the largest of the subsets'. No new timestamp: same input, same bytes.
    font = TTFont(io.BytesIO(base.data), recalcBBoxes=False, recalcTimestamp=False)
    order = font.getGlyphOrder()
    glyf, hmtx = font["glyf"], font["hmtx"]
    top = max(group.glyphs)
    if top >= len(order):  # another subset reaches past the base's last glyph: extend it with empty glyphs
        order = order + [f"glyph{gid:05d}" for gid in range(len(order), top + 1)]
        for name in order[len(glyf.glyphOrder) :]:
            glyf.glyphs[name] = Glyph()
            hmtx.metrics[name] = (0, 0)
        font.setGlyphOrder(order)
        glyf.glyphOrder = order
    for member in group.members[1:]:
        for gid, record in member.glyphs.items():
            if gid not in base.glyphs:
                glyf.glyphs[order[gid]] = Glyph(record)
                hmtx.metrics[order[gid]] = member.metrics[gid]
                base.glyphs[gid] = record
    head, maxp = font["head"], font["maxp"]
    head.xMin, head.yMin = (min(m.bounds[i] for m in group.members) for i in (0, 1))
    head.xMax, head.yMax = (max(m.bounds[i] for m in group.members) for i in (2, 3))
    for index, limit in enumerate(_MAXP_LIMITS):
        setattr(maxp, limit, max(m.limits[index] for m in group.members))
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()

    to_unicode: dict[int, bytes] = {}
    for member in group.members:
        for gid, text in member.to_unicode.items():
            to_unicode.setdefault(gid, text)
    name = pikepdf.Name(f"/{_subset_tag(data)}+{face}")

    base_descendant = base.font.DescendantFonts[0]
    descriptor = _copy(base_descendant.FontDescriptor)
    descriptor.FontName = name
    descriptor.FontFile2 = pikepdf.Stream(pdf, data)
    descriptor.FontFile2.Length1 = len(data)
    descriptor.FontBBox = pikepdf.Array([head.xMin, head.yMin, head.xMax, head.yMax])
    descendant = _copy(base_descendant)
    descendant.BaseFont = name
    descendant.FontDescriptor = pdf.make_indirect(descriptor)
    descendant.W = _width_array(group.widths)
    merged = _copy(base.font)
    merged.BaseFont = name
    merged.DescendantFonts = pikepdf.Array([pdf.make_indirect(descendant)])
    merged.ToUnicode = pikepdf.Stream(pdf, _cmap(to_unicode))
    return pdf.make_indirect(merged)


def _copy(dictionary: pikepdf.Object) -> pikepdf.Dictionary:
    """A new dictionary with the same entries (the values themselves are shared)."""
    return pikepdf.Dictionary({key: dictionary[key] for key in dictionary.keys()})  # noqa: SIM118


def _subset_tag(data: bytes) -> str:
    """Six capital letters, as PDF names a subset, derived from the font's bytes (stable from run to run)."""
    digest = hashlib.sha256(data).digest()
    return "".join(string.ascii_uppercase[b % 26] for b in digest[:6])


def _width_array(widths: dict[int, int]) -> pikepdf.Array:
    runs: list[object] = []
    for gid in sorted(widths):
        if runs and isinstance(runs[-1], list) and runs[-2] + len(runs[-1]) == gid:  # type: ignore[operator]
            runs[-1].append(widths[gid])
        else:
            runs.extend((gid, [widths[gid]]))
    return pikepdf.Array([pikepdf.Array(r) if isinstance(r, list) else r for r in runs])


def _cmap(mapping: dict[int, bytes]) -> bytes:
    entries = sorted(mapping.items())
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries per bfchar block
        chunk = entries[start : start + 100]
        lines = b"\n".join(b"<%04x> <%s>" % (gid, text) for gid, text in chunk)
        blocks.append(b"%d beginbfchar\n%s\nendbfchar" % (len(chunk), lines))
    return b"\n".join(
        [
            b"/CIDInit /ProcSet findresource begin",
            b"12 dict begin",
            b"begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def",
            b"/CMapType 2 def",
            b"1 begincodespacerange",
            b"<0000> <ffff>",
            b"endcodespacerange",
            *blocks,
            b"endcmap",
            b"CMapName currentdict /CMap defineresource pop",
            b"end",
            b"end",
        ]
    )
