"""PDFs are rewritten without active content and metadata; polyglots are refused.

Real PDFs built with pikepdf, carrying what a hostile or careless sender puts in: scripts that run
on opening, embedded files, a launch action, XFA, the author's name in the Info dictionary and XMP.
"""

from __future__ import annotations

import io
import sys

import pikepdf
import pytest

from intake import sandbox
from intake.attachments import AttachmentError, inspect
from tests.intake.conftest import form_data

SECRET = b"EMBEDDED-PASSPORT-SCAN"
AUTHOR = "Amal Haddad"
PAGE_TEXT = b"Residence permit decision"

ACTIVE_KEYS = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/RichMedia",
    "/XFA",
    "/Metadata",
}


def hostile_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 10 100 Td (" + PAGE_TEXT + b") Tj ET")
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.Root.OpenAction = pdf.make_indirect(script)
    page.obj.AA = pikepdf.Dictionary(O=script)  # on page open
    embedded = pdf.make_stream(SECRET)
    embedded.Type = pikepdf.Name.EmbeddedFile
    spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec, F=pikepdf.String("scan.txt"),
        EF=pikepdf.Dictionary(F=embedded),
    )
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), script])),
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("scan.txt"), spec])),
    )
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 50, 50]), A=launch,
    )
    attachment = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
        Rect=pikepdf.Array([60, 60, 80, 80]), FS=spec,
    )
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([link, attachment]))
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp>script</xdp:xdp>")
    )
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Title"] = "Passport of " + AUTHOR
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [AUTHOR]
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _everything(pdf: pikepdf.Pdf) -> tuple[set[str], bytes]:
    """Every key of every object of the file, and all its stream data decoded."""
    keys: set[str] = set()
    data = bytearray()
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            stack = [obj]
            while stack:
                current = stack.pop()
                if isinstance(current, pikepdf.Dictionary | pikepdf.Stream):
                    keys.update(current.keys())
                    stack.extend(
                        v for v in current.values()
                        if isinstance(v, pikepdf.Dictionary | pikepdf.Array) and not v.is_indirect
                    )
                elif isinstance(current, pikepdf.Array):
                    stack.extend(
                        v for v in current
                        if isinstance(v, pikepdf.Dictionary | pikepdf.Array) and not v.is_indirect
                    )
            if isinstance(obj, pikepdf.Stream):
                data.extend(obj.read_bytes())
    keys.update(pdf.trailer.keys())
    return keys, bytes(data)


def test_the_hostile_pdf_really_carries_everything():
    data = hostile_pdf()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        keys, streams = _everything(pdf)
    assert {"/JS", "/JavaScript", "/OpenAction", "/AA", "/EmbeddedFiles", "/XFA"} <= keys
    assert {"/Metadata", "/Info"} <= keys
    assert SECRET in streams and AUTHOR.encode() in data and b"/Launch" in data


def test_active_content_embedded_files_and_metadata_are_removed():
    original = hostile_pdf()
    clean = inspect("decision.pdf", original)
    assert clean.content_type == "application/pdf"
    assert clean.data != original
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        keys, streams = _everything(pdf)
        assert len(pdf.pages) == 1
        assert PAGE_TEXT in pdf.pages[0].Contents.read_bytes()  # the page itself is kept
        annots = pdf.pages[0].obj.get("/Annots", [])
        assert all(a.get("/Subtype") != "/FileAttachment" for a in annots)
        assert all("/A" not in a for a in annots)  # the link no longer launches anything
        assert "/Info" not in pdf.trailer
    assert keys.isdisjoint(ACTIVE_KEYS), keys & ACTIVE_KEYS
    assert SECRET not in streams and SECRET not in clean.data
    assert AUTHOR.encode() not in clean.data and AUTHOR.encode() not in streams
    assert b"app.alert" not in clean.data and b"cmd.exe" not in clean.data


def test_the_same_pdf_is_cleaned_to_the_same_bytes():
    # A resent form is recognised by the hashes of its cleaned files. The same upload: one file
    # (two files built apart differ already, by the random /ID each save gives them).
    sent = hostile_pdf()
    assert inspect("a.pdf", sent).sha256 == inspect("a.pdf", sent).sha256


def _plain_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


ZIP = (
    b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"\x05\x00\x00\x00a.exe"
    + b"PK\x05\x06" + b"\x00" * 18
)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("appended zip", lambda pdf: pdf + ZIP),
        ("zip after whitespace", lambda pdf: pdf + b"\n\n" + ZIP),
        ("html after the end", lambda pdf: pdf + b"<html><script>alert(1)</script></html>"),
        ("html in the header", lambda pdf: pdf.replace(b"\n", b"\n%<html><script>x</script>\n", 1)),
        ("zip end record before the end", lambda pdf: pdf[:-6] + b"PK\x05\x06" + b"\x00" * 18
         + pdf[-6:]),
        ("a program before the pdf", lambda pdf: b"MZ\x90\x00" + b"\x00" * 60 + pdf),
        ("a page before the pdf", lambda pdf: b"<html><body>hi</body></html>\n" + pdf),
    ],
)
def test_polyglots_are_refused(name, make):
    with pytest.raises(AttachmentError) as refused:
        inspect("x.pdf", make(_plain_pdf()))
    assert refused.value.code == "type_not_allowed", name


def test_trailing_whitespace_after_the_end_is_fine():
    clean = inspect("x.pdf", _plain_pdf() + b"\r\n\x00\x00\n")
    assert clean.data.startswith(b"%PDF-")


def test_a_pdf_locked_with_a_password_is_unreadable():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(AttachmentError) as refused:
        inspect("locked.pdf", out.getvalue())
    assert refused.value.code == "unreadable"


def test_the_original_is_kept_only_when_a_setting_says_so(use_settings):
    original = hostile_pdf()
    assert inspect("a.pdf", original).data != original
    use_settings(keep_original_pdf=True)
    assert inspect("a.pdf", original).data == original


def test_pdfs_are_cleaned_in_the_sandbox_worker(monkeypatch):
    monkeypatch.setattr(sandbox, "WORKER", [sys.executable, "-c", "import os; os.abort()"])
    with pytest.raises(AttachmentError) as refused:
        inspect("a.pdf", _plain_pdf())
    assert refused.value.code == "too_complex"


def test_a_pdf_sent_with_the_form_is_stored_clean(browser, settings):
    from intake.attachments import open_attachment
    from tests.intake.test_form_uploads import attachments as rows

    files = [("files", ("decision.pdf", hostile_pdf(), "application/pdf"))]
    response = browser.send("other", form_data("other"), files=files)
    assert response.status_code == 200, response.text[:500]
    (row,) = rows(settings)
    stored = open_attachment(row)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        keys, streams = _everything(pdf)
    assert keys.isdisjoint(ACTIVE_KEYS)
    assert SECRET not in streams


def test_xmp_near_the_start_is_no_polyglot_and_is_removed():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [AUTHOR]
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = out.getvalue()
    assert b"<?xpacket" in data[:1024]
    clean = inspect("scan.pdf", data)
    assert AUTHOR.encode() not in clean.data and b"xmpmeta" not in clean.data
