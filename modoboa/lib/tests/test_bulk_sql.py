"""``bulk_sql.insert_rows``: the rows read back as ``save()`` writes them."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from modoboa.admin.models import Quota
from modoboa.core.models import Log, User
from modoboa.lib import bulk_sql


@pytest.fixture(params=[1000, 2])
def rows_per_statement(request, monkeypatch):
    """Every batch in one statement, or split into statements of two rows
    (PostgreSQL's multi-row VALUES)."""
    monkeypatch.setattr(bulk_sql, "ROWS_PER_STATEMENT", request.param)
    return request.param


@pytest.mark.django_db
def test_template_columns_take_defaults_json_and_dates(rows_per_statement):
    when = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)
    template = bulk_sql.new_instance(User, date_joined=when, _parameters={"core": {"x": [1]}})
    count = bulk_sql.insert_rows(
        User,
        ("username", "email", "is_active"),
        [("a@x.test", "a@x.test", True), ("b@x.test", "", False), ("c@x.test", "c", True)],
        template=template,
    )
    assert count == 3
    saved = User(username="d@x.test", date_joined=when, _parameters={"core": {"x": [1]}})
    saved.save()
    rows = {user.username: user for user in User.objects.filter(username__endswith="@x.test")}
    assert rows["b@x.test"].is_active is False and rows["a@x.test"].is_active is True
    for name in ("a@x.test", "b@x.test", "c@x.test"):
        user = rows[name]
        assert user.date_joined == when
        assert user._parameters == {"core": {"x": [1]}}
        for field in ("language", "is_local", "master_user", "is_superuser", "last_login"):
            assert getattr(user, field) == getattr(rows["d@x.test"], field), field


@pytest.mark.django_db
def test_auto_now_fields_are_set_and_nothing_inserted_for_no_rows():
    before = timezone.now()
    assert bulk_sql.insert_rows(Log, ("message",), []) == 0
    bulk_sql.insert_rows(Log, ("message",), [("one",), ("two",)])
    logs = list(Log.objects.filter(message__in=["one", "two"]))
    assert len(logs) == 2
    assert all(log.date_created >= before for log in logs)


@pytest.mark.django_db
def test_conflicts_are_refused_or_ignored(rows_per_statement):
    columns = ("username", "email")
    bulk_sql.insert_rows(User, columns, [("a@x.test", "first")])
    bulk_sql.insert_rows(
        User, columns, [("a@x.test", "second"), ("b@x.test", "b")], ignore_conflicts=True
    )
    assert dict(User.objects.filter(username__endswith="@x.test").values_list(*columns)) == {
        "a@x.test": "first",
        "b@x.test": "b",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_sql.insert_rows(User, columns, [("c@x.test", "c"), ("a@x.test", "third")])
    assert not User.objects.filter(username="c@x.test").exists()


@pytest.mark.django_db
def test_quota_rows_left_by_dovecot_are_kept():
    bulk_sql.insert_rows(Quota, ("username", "bytes"), [("a@x.test", 5)])
    bulk_sql.insert_rows(
        Quota, ("username",), [("a@x.test",), ("b@x.test",)], ignore_conflicts=True
    )
    assert dict(Quota.objects.values_list("username", "bytes")) == {"a@x.test": 5, "b@x.test": 0}


@pytest.mark.django_db
def test_text_with_tabs_newlines_backslashes_and_nulls_reads_back_unchanged():
    # PostgreSQL gets these rows through COPY's text format: its escapes
    # must not change a value, whatever characters a log line holds.
    messages = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "\\.", "", "é ☃ \x0b"]
    bulk_sql.insert_rows(Log, ("message", "level"), [(m, "INFO") for m in messages])
    stored = Log.objects.filter(level="INFO", message__in=messages)
    assert sorted(stored.values_list("message", flat=True)) == sorted(messages)
    when = timezone.now().replace(microsecond=0)
    bulk_sql.insert_rows(
        User, ("username", "last_login"), [("n@x.test", None), ("w@x.test", when)]
    )
    assert dict(
        User.objects.filter(username__endswith="@x.test").values_list("username", "last_login")
    ) == {"n@x.test": None, "w@x.test": when}
