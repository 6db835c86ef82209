"""Moderation at scale: new members' posts waiting for approval, comments hidden by members'
flags, and the settings row moderators tune.
"""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0003_access_tokens'),
        ('treaty_reader', '0002_document_generation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ModerationSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_posts_enabled', models.BooleanField(default=False, help_text='As Discourse does: a moderator approves them before anyone else sees them.', verbose_name="new members' first posts wait for approval")),
                ('first_posts_count', models.PositiveSmallIntegerField(default=3, help_text='Comments of a new account that wait, until this many have been approved.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='how many first posts')),
                ('first_posts_account_age', models.PositiveSmallIntegerField(default=7, help_text='An account younger than this counts as new.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='new for (days)')),
                ('auto_hide_flag_count', models.PositiveSmallIntegerField(default=3, help_text='A comment flagged by this many members in good standing is hidden at once, until a moderator reviews it. 0 switches automatic hiding off.', verbose_name='hide after flags from')),
            ],
            options={
                'verbose_name': 'moderation settings',
                'verbose_name_plural': 'moderation settings',
            },
        ),
        migrations.AddField(
            model_name='comment',
            name='hidden_automatically',
            field=models.BooleanField(default=False, help_text="Hidden by enough members' flags, until a moderator reviews it."),
        ),
        migrations.AddField(
            model_name='comment',
            name='pending_at',
            field=models.DateTimeField(blank=True, help_text="A new member's post waiting, since then, for a moderator's approval.", null=True),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('pending_at__isnull', False)), fields=['pending_at'], name='comment_pending'),
        ),
    ]
