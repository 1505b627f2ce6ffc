"""The daily summary of the records (replaced by 0003, which fills its successors)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """Nothing: 0003 replaces this table by summaries it builds from the
    records (filling it here would only be thrown away).
    """


class Migration(migrations.Migration):

    dependencies = [
        ('admin', '0004_quota_merge_trigger'),
        ('dmarc', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DailySource',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('source_ip', models.GenericIPAddressField()),
                ('disposition', models.CharField(choices=[('none', 'None'), ('quarantine', 'Quarantine'), ('reject', 'Reject')], max_length=10)),
                ('dkim_result', models.CharField(choices=[('pass', 'Pass'), ('fail', 'Fail')], max_length=4)),
                ('spf_result', models.CharField(choices=[('pass', 'Pass'), ('fail', 'Fail')], max_length=4)),
                ('count', models.BigIntegerField(default=0)),
                ('header_from', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='admin.domain')),
            ],
            options={
                'db_table': 'modoboa_dmarc_dailysource',
                'constraints': [models.UniqueConstraint(fields=('header_from', 'day', 'source_ip', 'disposition', 'dkim_result', 'spf_result'), name='dmarc_dailysource_key')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
