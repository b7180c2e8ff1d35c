import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_settlement_refund_lines'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SettlementUpload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(max_length=255, verbose_name='file')),
                ('data', models.BinaryField(editable=False)),
                ('language', models.CharField(max_length=8)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=300)),
                ('state', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Importing'), ('done', 'Imported'), ('refused', 'Refused'), ('failed', 'Failed')], default='queued', max_length=8, verbose_name='state')),
                ('lines_read', models.PositiveIntegerField(default=0)),
                ('lines_total', models.PositiveIntegerField(default=0)),
                ('message', models.TextField(blank=True)),
                ('problems', models.JSONField(blank=True, default=list)),
                ('problem_count', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('settlement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='payments.settlementimport')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'settlement file upload',
                'verbose_name_plural': 'settlement file uploads',
                'ordering': ['-created_at', '-pk'],
            },
        ),
    ]
