"""Upload validation and storage: one way for every app (evidence, voice notes, photos).

Files are checked by size and by content (magic bytes) against an allow-list, stored under a
generated name outside the static root, and served only by views that check permission
(``serve_upload``), as an attachment or with a safe content type and nosniff."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.deconstruct import deconstructible

# kind -> (content type, extensions, magic-bytes test)
_SIGNATURES = {
    "pdf": ("application/pdf", (".pdf",), lambda h: h.startswith(b"%PDF-")),
    "png": ("image/png", (".png",), lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), lambda h: h.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", (".gif",), lambda h: h[:6] in (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (".webp",), lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    "webm": ("audio/webm", (".webm",), lambda h: h.startswith(b"\x1a\x45\xdf\xa3")),
    "ogg": ("audio/ogg", (".ogg", ".oga"), lambda h: h.startswith(b"OggS")),
    "mp3": ("audio/mpeg", (".mp3",), lambda h: h.startswith(b"ID3") or h[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "wav": ("audio/wav", (".wav",), lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    "m4a": ("audio/mp4", (".m4a", ".mp4"), lambda h: h[4:8] == b"ftyp"),
    "mp4video": ("video/mp4", (".mp4", ".mov"), lambda h: h[4:8] == b"ftyp"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",), lambda h: h.startswith(b"PK\x03\x04")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (".xlsx",), lambda h: h.startswith(b"PK\x03\x04")),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (".pptx",), lambda h: h.startswith(b"PK\x03\x04")),
}

IMAGES = ("png", "jpeg", "gif", "webp")
AUDIO = ("webm", "ogg", "mp3", "wav", "m4a")
DOCUMENTS = ("pdf", "docx", "xlsx", "pptx")
VIDEO = ("mp4video", "webm")


def validate_upload(upload, *, kinds, max_bytes=None) -> str:
    """Check an uploaded file's size and content; return its content type.

    Raises ValidationError with a message a person can act on."""
    max_bytes = max_bytes or settings.PLP_UPLOAD_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            f"The file must be smaller than {max_bytes // (1024 * 1024)} MB "
            f"(this one is {upload.size / (1024 * 1024):.1f} MB)."
        )
    if upload.size == 0:
        raise ValidationError("The selected file is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    name = (upload.name or "").lower()
    for kind in kinds:
        content_type, extensions, matches = _SIGNATURES[kind]
        if matches(head) and name.endswith(extensions):
            return content_type
    allowed = ", ".join(sorted({e for k in kinds for e in _SIGNATURES[k][1]}))
    raise ValidationError(f"The selected file must be one of: {allowed}.")


@deconstructible
class UploadTo:
    """A FileField ``upload_to`` giving a random, unguessable name under ``prefix``. New
    migrations record it by its prefix; the early ones import it by the module-level name each
    model gives it (``log_entry_upload_to = UploadTo("learning-log")``), so those names stay."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename):
        extension = ""
        if "." in filename:
            extension = "." + filename.rsplit(".", 1)[1].lower()[:8]
        return f"{self.prefix}/{secrets.token_hex(16)}{extension}"


def serve_upload(field_file, *, content_type: str, download_name: str, inline=False):
    """Stream a stored upload. Call only after the view has checked permission."""
    response = FileResponse(
        field_file.open("rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; media-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
