"""Decoding and cleaning a file: the costly, risky part, run only inside the sandbox worker.

Nothing here runs in the web process (see intake/sandbox.py): a hostile picture or PDF that makes
a decoder loop, balloon or crash takes only the worker down. Pictures are decoded and encoded
again, which drops location data and anything hidden after the image; PDFs are rewritten by
qpdf (pikepdf) without scripts, actions, embedded files, forms' XFA and metadata.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

# The same limit as attachments.MAX_PIXELS, repeated so the worker imports nothing of the web
# side; the web process refuses bigger headers before a worker starts.
MAX_PIXELS = 50_000_000


class Refused(ValueError):
    """The file cannot be used; `code` is an attachments.MESSAGES code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def clean(kind: str, data: bytes) -> tuple[str, bytes]:
    """The cleaned copy of a file of a sniffed kind, and its content type."""
    if kind == "application/pdf":
        return "application/pdf", clean_pdf(data)
    if kind == "audio/ogg":  # a WhatsApp voice note (intake.media)
        from intake.ogg import clean_opus

        return "audio/ogg", clean_opus(data)
    return clean_image(kind, data)


# --- Pictures ------------------------------------------------------------------------------------

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIF"}
# Only what the picture needs to look right: colour profile and transparency. Everything else in
# info (EXIF, XMP, comments, PNG text chunks) can say where and by whom a photo was taken.
_KEEP_INFO = ("icc_profile", "transparency")


def clean_image(kind: str, data: bytes) -> tuple[str, bytes]:
    from PIL import Image

    if kind == "image/heic":
        _register_heif()
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses; a warning here already means too many pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(kind, data)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("too_complex") from None
    except MemoryError:
        raise Refused("too_complex") from None
    except Exception:  # noqa: BLE001 - any decoder failure means a file we cannot use
        raise Refused("unreadable") from None
    if kind == "image/png":
        return "image/png", _encode_png(image)
    return "image/jpeg", _encode_jpeg(image, kind)


def _decode(kind: str, data: bytes) -> Any:
    from PIL import Image

    formats = [_PILLOW_FORMATS[kind]]
    with Image.open(io.BytesIO(data), formats=formats) as probe:
        probe.verify()  # structure and checksums, before spending memory on pixels
    image = Image.open(io.BytesIO(data), formats=formats)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise Refused("too_complex")
    image.load()
    if kind == "image/jpeg":
        image.info["_jpeg_quant"] = getattr(image, "quantization", None)
        image.info["_jpeg_sampling"] = _jpeg_sampling(image)
    return image


def _jpeg_sampling(image: Any) -> int:
    from PIL import JpegImagePlugin

    try:
        return JpegImagePlugin.get_sampling(image)
    except Exception:  # noqa: BLE001
        return -1


def _upright(image: Any) -> tuple[Any, dict[str, Any]]:
    """Turn the picture as its EXIF orientation says, and keep only harmless info."""
    from PIL import ImageOps

    info = image.info
    upright = ImageOps.exif_transpose(image) or image
    kept = {k: info[k] for k in _KEEP_INFO if k in info}
    # A fresh copy: no EXIF, XMP, comments or text chunks can ride along into the encoder.
    fresh = upright.copy()
    fresh.info = dict(kept)
    return fresh, info


def _encode_jpeg(image: Any, source_kind: str) -> bytes:
    fresh, info = _upright(image)
    if fresh.mode not in {"RGB", "L", "CMYK"}:
        fresh = _flatten(fresh)
    options: dict[str, Any] = {"optimize": True}
    quant = info.get("_jpeg_quant")
    sampling = info.get("_jpeg_sampling", -1)
    if source_kind == "image/jpeg" and quant and fresh.mode != "CMYK":
        # The sender's own quantisation tables: the copy looks as the original did, no worse.
        options["qtables"] = quant
        if sampling in (0, 1, 2):
            options["subsampling"] = sampling
    else:
        options["quality"] = 90
    if "icc_profile" in fresh.info:
        options["icc_profile"] = fresh.info["icc_profile"]
    out = io.BytesIO()
    fresh.save(out, "JPEG", **options)
    return out.getvalue()


def _flatten(image: Any) -> Any:
    """RGB on white: JPEG has no transparency, and a document photo reads best on white."""
    from PIL import Image

    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode_png(image: Any) -> bytes:
    fresh, _info = _upright(image)
    options: dict[str, Any] = {"optimize": False}
    for key in _KEEP_INFO:
        if key in fresh.info:
            options[key] = fresh.info[key]
    out = io.BytesIO()
    fresh.save(out, "PNG", **options)
    return out.getvalue()


def _register_heif() -> None:
    import pillow_heif

    # No embedded thumbnails or depth maps: only the main picture is ever decoded.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


# --- PDFs ----------------------------------------------------------------------------------------

# Keys that run something, open something, carry another file or say who wrote the document.
# Removed wherever they appear, in any dictionary or stream dictionary of the file.
_PDF_DROP_KEYS = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/RichMedia",
    "/RichMediaContent",
    "/RichMediaSettings",
    "/XFA",
    "/Metadata",
    "/PieceInfo",
    "/Collection",  # portfolios: a PDF that is a folder of other files
    "/URI",
    "/SubmitForm",
    "/ImportData",
}
# Actions (an /A entry, or in /Next chains) of these kinds run, open or send something.
_PDF_DROP_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/URI",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/Rendition",
    "/Movie",
    "/Sound",
    "/RichMediaExecute",
    "/GoTo3DView",
}
# Annotations that play, show or carry something else than the page.
_PDF_DROP_ANNOTS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


def clean_pdf(data: bytes) -> bytes:
    """The PDF rewritten without active content or metadata; Refused when it does not open."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise Refused("unreadable") from None
    except MemoryError:
        raise Refused("too_complex") from None
    except Exception:  # noqa: BLE001 - whatever qpdf cannot read is a file we cannot use
        raise Refused("unreadable") from None
    try:
        with pdf:
            _strip_pdf(pdf)
            out = io.BytesIO()
            # deterministic_id: the same upload gives the same bytes, so a resent form is
            # recognised (its fingerprint hashes the cleaned files).
            pdf.save(out, deterministic_id=True, fix_metadata_version=False, encryption=False)
            return out.getvalue()
    except MemoryError:
        raise Refused("too_complex") from None
    except Exception:  # noqa: BLE001
        raise Refused("unreadable") from None


def _strip_pdf(pdf: Any) -> None:
    import pikepdf

    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    root = pdf.Root
    for key in ("/Names", "/AcroForm"):
        if key in root:
            _strip_pdf_dict(root[key])
    if "/Names" in root:
        names = root.Names
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    if "/AcroForm" in root and "/XFA" in root.AcroForm:
        del root.AcroForm["/XFA"]
    for page in pdf.pages:
        if "/Annots" in page.obj:
            kept = pikepdf.Array(
                a for a in page.obj.Annots
                if isinstance(a, pikepdf.Dictionary) and a.get("/Subtype") not in _PDF_DROP_ANNOTS
            )
            page.obj.Annots = kept
    seen: set[tuple[int, int]] = set()
    for obj in pdf.objects:
        _strip_pdf_object(obj, seen)


def _strip_pdf_object(obj: Any, seen: set[tuple[int, int]]) -> None:
    """Walk an object and everything directly inside it (indirect ones are walked on their own)."""
    import pikepdf

    containers = pikepdf.Stream | pikepdf.Dictionary | pikepdf.Array

    def direct(values: Any) -> list[Any]:
        return [v for v in values if isinstance(v, containers) and not v.is_indirect]

    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Stream | pikepdf.Dictionary):
            if current.is_indirect:
                if current.objgen in seen:
                    continue
                seen.add(current.objgen)
            _strip_pdf_dict(current)
            stack.extend(direct(current.values()))
        elif isinstance(current, pikepdf.Array):
            stack.extend(direct(current))


def _strip_pdf_dict(obj: Any) -> None:
    import pikepdf

    for key in list(obj.keys()):
        if key in _PDF_DROP_KEYS:
            del obj[key]
            continue
        value = obj[key]
        if (
            key in {"/A", "/Next"}
            and isinstance(value, pikepdf.Dictionary)
            and value.get("/S") in _PDF_DROP_ACTIONS
        ):
            del obj[key]
    if obj.get("/S") in _PDF_DROP_ACTIONS:
        # An action dictionary reached some other way: make it do nothing.
        del obj["/S"]
