"""The tables of 1.10's extension, as it left them: on a taken-over
database they exist with their rows, and ``migrate --fake-initial``
records this migration as applied."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("admin", "0004_quota_merge_trigger"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmailProvider",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True)),
                ("address", models.CharField(max_length=50)),
                ("port", models.PositiveIntegerField(default=143)),
                ("secured", models.BooleanField(default=False)),
            ],
        ),
        migrations.CreateModel(
            name="EmailProviderDomain",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True)),
                (
                    "new_domain",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="admin.domain",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domains",
                        to="modoboa_imap_migration.emailprovider",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Migration",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=254, unique=True)),
                ("_password", models.CharField(max_length=255)),
                (
                    "mailbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="admin.mailbox",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="migrations",
                        to="modoboa_imap_migration.emailprovider",
                    ),
                ),
            ],
        ),
    ]
