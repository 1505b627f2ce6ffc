"""The rich-text editor's image upload and browser (django-ckeditor), for
extensions' editors, made safe to serve from the console's origin.

django-ckeditor's upload view is exempt from CSRF protection and echoes
``CKEditorFuncNum`` and the stored file's URL inside an inline script: a
page on another site could make a logged-in user upload files, and a
crafted number or file name would run script in the console's origin.
Here the upload needs the CSRF token (send it as ``X-CSRFToken``, e.g.
CKEditor's ``fileTools_requestHeaders``), the number must be digits and
the file name is reduced to a safe slug. Both pages keep the strict
Content-Security-Policy for scripts: only the inline scripts they are known
to produce may run, by hash.
"""

import base64
import hashlib
import os
import re

from ckeditor_uploader import views as ckeditor_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from modoboa.core.security_middleware import INLINE_STYLES_POLICY, render_policy

_SCRIPT_RE = re.compile(rb"<script[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _hashes(content):
    """CSP sources for the inline scripts of ``content`` (bytes)."""
    sources = []
    for match in _SCRIPT_RE.finditer(content):
        body = match.group(1)
        if body.strip():
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            sources.append("'sha256-%s'" % digest)
    return sources


def _policy(script_hashes):
    return render_policy({**INLINE_STYLES_POLICY, "script-src": ["'self'", *script_hashes]})


def _safe_name(name):
    stem, extension = os.path.splitext(os.path.basename(name or ""))
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:10]
    stem = slugify(stem)[:80] or "image"
    return "%s.%s" % (stem, extension) if extension else stem


@login_required
@require_POST
@csrf_protect
def upload(request):
    number = request.GET.get("CKEditorFuncNum")
    if number is not None and not number.isdigit():
        return HttpResponseBadRequest("Invalid CKEditorFuncNum")
    uploaded = request.FILES.get("upload")
    if uploaded is None:
        return HttpResponseBadRequest("No file")
    uploaded.name = _safe_name(uploaded.name)
    response = ckeditor_views.ImageUploadView.as_view()(request)
    # The name and number are safe now: the script is the one the editor
    # expects, and only it may run.
    response["Content-Security-Policy"] = _policy(_hashes(response.content))
    return response


@never_cache
@login_required
def browse(request):
    response = ckeditor_views.browse(request)
    # The page's scripts come from its template alone (no file name goes
    # into them): hash them as rendered without files.
    reference = render_to_string(
        "ckeditor/browse.html", {"files": [], "dirs": [], "form": None}, request=request
    )
    response["Content-Security-Policy"] = _policy(_hashes(reference.encode()))
    return response
