"""PDF copies of the Word documents, rendered by LibreOffice (headless) from the very .docx
that was exported.

Every conversion runs in its own temporary folder with its own LibreOffice profile, under a
time limit. Before exporting, LibreOffice updates the document's indexes, so the table of
contents of the PDF lists every heading with its page (a plain `--convert-to pdf` would print
the table as it was stored). Without LibreOffice on the server, `pdf_available()` says so and
`render_pdf` raises PdfUnavailable, which the pages answer with a 503 that says why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from flask_babel import lazy_gettext as _l

SOFFICE = "soffice"
TIMEOUT_SECONDS = 120
PDF_MIMETYPE = "application/pdf"

NOT_INSTALLED = _l("LibreOffice n'est pas installé sur le serveur : le PDF n'est pas disponible")
FAILED = _l("LibreOffice n'a pas pu produire le PDF de ce document : réessayez plus tard.")

# A Basic macro of the private profile: open the document hidden, update its indexes (twice:
# the second pass sees the pages the first one added), export it as PDF, quit.
_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="RegistrePdf" \
script:language="StarBasic">
Sub Convert(source As String, target As String)
  Dim options(0) As New com.sun.star.beans.PropertyValue
  options(0).Name = &quot;Hidden&quot;
  options(0).Value = True
  document = StarDesktop.loadComponentFromURL(source, &quot;_blank&quot;, 0, options())
  indexes = document.getDocumentIndexes()
  For pass = 1 To 2
    For i = 0 To indexes.getCount() - 1
      indexes.getByIndex(i).update()
    Next i
  Next pass
  Dim filter(0) As New com.sun.star.beans.PropertyValue
  filter(0).Name = &quot;FilterName&quot;
  filter(0).Value = &quot;writer_pdf_Export&quot;
  document.storeToURL(target, filter())
  document.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""
_LIBRARY_ENTRY = '<library:element library:name="Module1"/>'


class PdfUnavailable(RuntimeError):
    """No PDF can be made: LibreOffice is missing, failed or took too long."""

    def __init__(self, message=NOT_INSTALLED):
        super().__init__(str(message))
        self.message = message


def soffice_path() -> str | None:
    return shutil.which(SOFFICE)


def pdf_available() -> bool:
    return soffice_path() is not None


def pdf_filename(filename: str) -> str:
    stem = filename[:-5] if filename.lower().endswith(".docx") else filename
    return f"{stem}.pdf"


def _run(command: list[str], timeout: float) -> None:
    """Run LibreOffice in a process group of its own, so that on timeout the whole of it
    (the launcher and the office process it starts) is stopped."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise PdfUnavailable(NOT_INSTALLED) from error
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise PdfUnavailable(FAILED) from error


def _prepare_profile(soffice: str, profile: Path, timeout: float) -> bool:
    """Create the private profile and install the conversion macro in it. False when the
    profile has no Basic library to extend (the plain conversion is then used)."""
    _run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
          "--terminate_after_init"], timeout)  # fmt: skip
    library = profile / "user" / "basic" / "Standard"
    index = library / "script.xlb"
    if not index.is_file() or _LIBRARY_ENTRY not in index.read_text(encoding="utf-8"):
        return False
    (library / "RegistrePdf.xba").write_text(_MACRO, encoding="utf-8")
    entries = f'{_LIBRARY_ENTRY}\n <library:element library:name="RegistrePdf"/>'
    index.write_text(
        index.read_text(encoding="utf-8").replace(_LIBRARY_ENTRY, entries), encoding="utf-8"
    )
    return True


def render_pdf(docx: bytes, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The PDF LibreOffice makes of these .docx bytes, its table of contents up to date."""
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable(NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="registre-pdf-") as folder:
        work = Path(folder)
        source, target = work / "document.docx", work / "document.pdf"
        source.write_bytes(docx)
        profile = work / "profile"
        profile_option = f"-env:UserInstallation={profile.as_uri()}"
        if _prepare_profile(soffice, profile, timeout):
            macro = (
                f'macro:///Standard.RegistrePdf.Convert("{source.as_uri()}","{target.as_uri()}")'
            )
            _run([soffice, profile_option, "--headless", "--norestore", macro], timeout)
        if not target.is_file():
            _run(
                [soffice, profile_option, "--headless", "--norestore", "--convert-to", "pdf",
                 "--outdir", str(work), str(source)],
                timeout,
            )  # fmt: skip
        if not target.is_file():
            raise PdfUnavailable(FAILED)
        data = target.read_bytes()
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable(FAILED)
    return data
