"""The source summaries indexed by address: a period's exact volumes of
the candidate sources (the top sources' threshold algorithm).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("dmarc", "0003_volumes")]

    operations = [
        migrations.AddIndex(
            model_name="sourcevolume",
            index=models.Index(
                fields=["header_from", "passed", "source_ip", "scale", "start"],
                name="dmarc_sourcevolume_ip_idx",
            ),
        ),
    ]
