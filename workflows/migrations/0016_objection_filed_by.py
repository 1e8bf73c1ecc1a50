"""Who objected, when signed in, and the language they wrote in: the bureau's
acknowledgement and outcome reach them in the app (workflows.services.objections)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0015_credential_holds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='objection',
            name='filed_by',
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='+', to=settings.AUTH_USER_MODEL,
                                    verbose_name='filed by'),
        ),
        migrations.AddField(
            model_name='objection',
            name='language',
            field=models.CharField(blank=True, max_length=16, verbose_name='language'),
        ),
    ]
