"""The connected user's filter sets (ManageSieve scripts).

Any account with a mailbox, for its own mailbox only; the script is checked
by the server before it replaces the stored one.
"""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from modoboa.lib.api.services import ServiceErrorsMixin, ServiceUnavailable

from .. import rules as rules_module
from .. import services
from ..client import QuotaExceeded, ScriptNotFound, ScriptRejected, SieveError, SieveUnavailable
from . import serializers


def _mailbox(request):
    mailbox = request.user.mailbox_or_none
    if mailbox is None:
        raise PermissionDenied("Only accounts with a mailbox have filters.")
    return mailbox


def _call(function, *args, field="name", **kwargs):
    """Run a service; turn its errors into API answers."""
    try:
        return function(*args, **kwargs)
    except (ScriptNotFound, services.RuleNotFound) as exc:
        raise NotFound(str(exc)) from exc
    except ScriptRejected as exc:
        detail = {"content": [str(exc)]}
        if exc.line:
            detail["line"] = [str(exc.line)]
        raise ValidationError(detail) from exc
    except services.FilterError as exc:
        raise ValidationError({exc.field or field: [str(exc)]}) from exc
    except QuotaExceeded as exc:
        raise ValidationError({field: [str(exc)]}) from exc
    except SieveUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc
    except SieveError as exc:
        raise ValidationError({"detail": [str(exc)]}) from exc


class _Base(ServiceErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]


class FilterSetListView(_Base):
    serializer_class = serializers.FilterSetSerializer

    @extend_schema(
        operation_id="filtersets_list",
        tags=["filters"],
        summary="List your filter sets",
        description="The ManageSieve scripts of your mailbox; 503 when the server is down.",
        responses={200: serializers.FilterSetSerializer(many=True)},
    )
    def get(self, request):
        sets = _call(services.list_filter_sets, _mailbox(request))
        return Response([{"name": name, "active": name == sets.active} for name in sets.names])

    @extend_schema(
        operation_id="filtersets_create",
        tags=["filters"],
        summary="Create a filter set",
        description="An empty script, made active when 'active' is true.",
        request=serializers.FilterSetSerializer,
        responses={201: serializers.FilterSetSerializer},
    )
    def post(self, request):
        serializer = serializers.FilterSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        name = _call(
            services.create_filter_set, _mailbox(request), data["name"], activate=data["active"]
        )
        return Response({"name": name, "active": data["active"]}, status=201)


class FilterSetDetailView(_Base):
    serializer_class = serializers.ScriptSerializer

    def _answer(self, mailbox, name):
        sets = _call(services.list_filter_sets, mailbox)
        if name not in sets.names:
            raise NotFound("No filter set named %s." % name)
        content = _call(services.get_script, mailbox, name)
        script = services.Script.parse(content)
        return {
            "name": name,
            "active": name == sets.active,
            "content": content,
            "rules": [asdict(rule) for rule in script.rules()],
        }

    @extend_schema(
        operation_id="filtersets_retrieve",
        tags=["filters"],
        summary="Read a filter set",
        description="Its script, and the filters the console's form can edit.",
        responses={200: serializers.ScriptSerializer},
    )
    def get(self, request, name):
        return Response(self._answer(_mailbox(request), name))

    @extend_schema(
        operation_id="filtersets_update",
        tags=["filters"],
        summary="Replace the script of a filter set",
        description=(
            "The server checks the script first: an error answers 400 with the "
            "server's message and line, and the stored script stays as it was."
        ),
        request=serializers.ScriptSerializer,
        responses={200: serializers.ScriptSerializer},
    )
    def put(self, request, name):
        mailbox = _mailbox(request)
        serializer = serializers.ScriptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.get_script, mailbox, name)
        _call(services.save_raw, mailbox, name, serializer.validated_data["content"])
        return Response(self._answer(mailbox, name))

    @extend_schema(
        operation_id="filtersets_destroy",
        tags=["filters"],
        summary="Delete a filter set",
        description="The active set cannot be deleted: activate another one first.",
        responses={204: None},
    )
    def delete(self, request, name):
        _call(services.delete_filter_set, _mailbox(request), name)
        return Response(status=204)


class FilterSetActivateView(_Base):
    serializer_class = serializers.FilterSetSerializer

    @extend_schema(
        operation_id="filtersets_activate",
        tags=["filters"],
        summary="Activate a filter set",
        description="It filters the incoming mail from now on; the away message moves to it.",
        request=None,
        responses={200: serializers.FilterSetSerializer},
    )
    def post(self, request, name):
        _call(services.activate_filter_set, _mailbox(request), name)
        return Response({"name": name, "active": True})


def _rule(data):
    """A Rule from the validated data of a RuleSerializer."""
    rule = rules_module.Rule(
        name=data["name"],
        match=data["match"],
        enabled=data["enabled"],
        conditions=[rules_module.Condition(**c) for c in data["conditions"]],
        actions=[rules_module.Action(**a) for a in data["actions"]],
    )
    if rule.match == "always":
        rule.conditions = []
    return rule


def _rule_answer(mailbox, name, index):
    rules = _call(services.read_filter_set, mailbox, name).rules()
    if not 0 <= index < len(rules):
        raise NotFound("No such filter.")
    return dict(asdict(rules[index]), index=index)


class RuleListView(_Base):
    serializer_class = serializers.RuleSerializer

    @extend_schema(
        operation_id="filtersets_rules_create",
        tags=["filters"],
        summary="Add a filter to a filter set",
        description=(
            "Appended after the other filters; checked like the console's form "
            "(an error names the field, e.g. 'actions[0].argument'), then by the "
            "server. The rest of the script is kept as written."
        ),
        request=serializers.RuleSerializer,
        responses={201: serializers.RuleAnswerSerializer},
    )
    def post(self, request, name):
        mailbox = _mailbox(request)
        serializer = serializers.RuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rules = _call(services.save_rule, mailbox, name, _rule(serializer.validated_data))
        return Response(_rule_answer(mailbox, name, len(rules) - 1), status=201)


class RuleDetailView(_Base):
    serializer_class = serializers.RuleSerializer

    @extend_schema(
        operation_id="filtersets_rules_retrieve",
        tags=["filters"],
        summary="Read a filter of a filter set",
        responses={200: serializers.RuleAnswerSerializer},
    )
    def get(self, request, name, index):
        return Response(_rule_answer(_mailbox(request), name, index))

    @extend_schema(
        operation_id="filtersets_rules_update",
        tags=["filters"],
        summary="Replace a filter of a filter set",
        description="Checked like the console's form; the other filters are untouched.",
        request=serializers.RuleSerializer,
        responses={200: serializers.RuleAnswerSerializer},
    )
    def put(self, request, name, index):
        mailbox = _mailbox(request)
        serializer = serializers.RuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _call(services.save_rule, mailbox, name, _rule(serializer.validated_data), index=index)
        return Response(_rule_answer(mailbox, name, index))

    @extend_schema(
        operation_id="filtersets_rules_destroy",
        tags=["filters"],
        summary="Delete a filter of a filter set",
        responses={204: None},
    )
    def delete(self, request, name, index):
        _call(services.delete_rule, _mailbox(request), name, index)
        return Response(status=204)


class RuleMoveView(_Base):
    serializer_class = serializers.RuleMoveSerializer

    @extend_schema(
        operation_id="filtersets_rules_move",
        tags=["filters"],
        summary="Move a filter up or down",
        description="Swaps it with its neighbour; 400 (direction) at either end.",
        request=serializers.RuleMoveSerializer,
        responses={200: serializers.RuleAnswerSerializer},
    )
    def post(self, request, name, index):
        mailbox = _mailbox(request)
        serializer = serializers.RuleMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offset = -1 if serializer.validated_data["direction"] == "up" else 1
        _call(services.move_rule, mailbox, name, index, offset)
        return Response(_rule_answer(mailbox, name, index + offset))
