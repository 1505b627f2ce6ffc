from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_loginfailure"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    models.AutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=64, unique=True)),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("running", "running"),
                            ("succeeded", "succeeded"),
                            ("failed", "failed"),
                        ],
                        max_length=16,
                    ),
                ),
                ("message", models.CharField(blank=True, default="", max_length=255)),
                ("last_success_at", models.DateTimeField(null=True)),
            ],
            options={"db_table": "core_jobrun"},
        ),
    ]
