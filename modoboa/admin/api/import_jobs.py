"""``/api/v1/imports/``: submit a CSV import, then poll its job."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.exceptions import PermDeniedException

from .. import csv_import
from ..models import ImportJob
from ..services import import_jobs

#: Permissions needed to import each kind of file (any of them).
KIND_PERMISSIONS = {
    "domains": ("admin.add_domain",),
    "identities": ("core.add_user", "admin.add_alias"),
}


class ImportRequestSerializer(serializers.Serializer):
    sourcefile = serializers.FileField()
    kind = serializers.ChoiceField(choices=sorted(KIND_PERMISSIONS), default="identities")
    sepchar = serializers.CharField(default=";", max_length=1, trim_whitespace=False)
    continue_if_exists = serializers.BooleanField(default=False)
    crypt_passwords = serializers.BooleanField(default=False)


class ImportJobSerializer(serializers.ModelSerializer):
    done = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "kind", "filename", "status", "total", "done", "created", "skipped",
            "failed", "rolled_back", "errors", "message", "submitted_at", "started_at",
            "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_done(self, job) -> int:
        return import_jobs.progress(job)[0]


class ImportJobList(APIView):
    """Submit a CSV file. A file of at most ``MODOBOA_IMPORT_SYNC_LINES``
    lines is imported at once (201, the job finished); a larger one is
    queued for ``modo run_import_jobs`` (202): poll ``/api/v1/imports/<id>/``.
    """

    permission_classes = [IsAuthenticated]
    # JSON too, so that a JSON body is refused like on every other route
    # (403 without the CSRF token, 400 naming ``sourcefile`` with it)
    # rather than by the parser (415) before the CSRF check can answer.
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(request=ImportRequestSerializer, responses={201: ImportJobSerializer})
    def post(self, request):
        params = ImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if not any(request.user.has_perm(p) for p in KIND_PERMISSIONS[data["kind"]]):
            raise PermDeniedException(_("You are not allowed to import these objects"))
        try:
            text, filename = csv_import.read_source(data["sourcefile"])
        except (UnicodeDecodeError, ValueError) as exc:
            raise serializers.ValidationError(
                {"sourcefile": [_("The file could not be read: %s") % exc]}
            ) from None
        job = import_jobs.submit(
            acting_user=request.user,
            kind=data["kind"],
            text=text,
            filename=filename,
            options={
                "sepchar": data["sepchar"],
                "continue_if_exists": data["continue_if_exists"],
                "crypt_passwords": data["crypt_passwords"],
            },
        )
        if job.total <= import_jobs.sync_limit():
            job = import_jobs.run_now(job)
            return Response(ImportJobSerializer(job).data, status=201)
        return Response(ImportJobSerializer(job).data, status=202)

    @extend_schema(responses={200: ImportJobSerializer(many=True)})
    def get(self, request):
        jobs = import_jobs.visible_jobs(request.user)[:50]
        return Response(ImportJobSerializer(jobs, many=True).data)


class ImportJobDetail(APIView):
    """One import job: its status, progress and result line by line."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request, pk):
        return Response(ImportJobSerializer(import_jobs.get_job(request.user, pk)).data)
