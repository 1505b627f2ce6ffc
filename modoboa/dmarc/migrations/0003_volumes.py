"""The page's summaries by alignment per day and by source per day, month
and year, built from the records already stored; the per-evaluation daily
summary they replace is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from modoboa.dmarc.services.daily import fill_from_records

    fill_from_records(
        apps.get_model("dmarc", "Record"),
        apps.get_model("dmarc", "DailyVolume"),
        apps.get_model("dmarc", "SourceVolume"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("admin", "0004_quota_merge_trigger"),
        ("dmarc", "0002_daily_source"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyVolume",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("fully", models.BigIntegerField(default=0)),
                ("partially", models.BigIntegerField(default=0)),
                ("failed", models.BigIntegerField(default=0)),
                ("header_from", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="admin.domain")),
            ],
            options={
                "db_table": "modoboa_dmarc_dailyvolume",
                "constraints": [models.UniqueConstraint(fields=("header_from", "day"), name="dmarc_dailyvolume_key")],
            },
        ),
        migrations.CreateModel(
            name="SourceVolume",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scale", models.CharField(choices=[("d", "Day"), ("m", "Month"), ("y", "Year")], max_length=1)),
                ("start", models.DateField()),
                ("passed", models.BooleanField()),
                ("source_ip", models.GenericIPAddressField()),
                ("total", models.BigIntegerField(default=0)),
                ("spf_pass", models.BigIntegerField(default=0)),
                ("spf_fail", models.BigIntegerField(default=0)),
                ("dkim_pass", models.BigIntegerField(default=0)),
                ("dkim_fail", models.BigIntegerField(default=0)),
                ("none", models.BigIntegerField(default=0)),
                ("quarantine", models.BigIntegerField(default=0)),
                ("reject", models.BigIntegerField(default=0)),
                ("header_from", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="admin.domain")),
            ],
            options={
                "db_table": "modoboa_dmarc_sourcevolume",
                "indexes": [models.Index(fields=["header_from", "scale", "start", "passed", "-total", "source_ip"], name="dmarc_sourcevolume_top_idx")],
                "constraints": [models.UniqueConstraint(fields=("header_from", "scale", "start", "passed", "source_ip"), name="dmarc_sourcevolume_key")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.DeleteModel(name="DailySource"),
    ]
