"""One Notification model for every kind of notice; Watch; members' notification settings.

The reply notices already stored stay: each becomes a "reply" notification from the reply's
author, saying what it was, as the Replies page used to.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def describe_existing_replies(apps, schema_editor):
    Notification = apps.get_model("annotations", "Notification")
    rows = Notification.objects.select_related("comment__parent")
    changed = []
    for notice in rows.iterator(chunk_size=2000):
        parent = notice.comment.parent
        to_their_comment = parent is not None and parent.author_id == notice.recipient_id
        notice.actor_id = notice.comment.author_id
        notice.reason = (
            "replied to your comment" if to_their_comment else "commented on your highlight"
        )
        notice.emailed_at = notice.created_at  # nothing old is mailed when email is turned on
        changed.append(notice)
    Notification.objects.bulk_update(changed, ["actor", "reason", "emailed_at"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0005_search_index'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('treaty_reader', '0002_document_generation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MemberSettings',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('email', models.CharField(choices=[('never', 'Never'), ('immediate', 'Each notification as it happens'), ('daily', 'A daily digest')], default='never', max_length=10)),
                ('email_chosen_at', models.DateTimeField(default=django.utils.timezone.now, help_text='Only notifications after this are mailed.')),
                ('last_digest_at', models.DateTimeField(blank=True, null=True)),
                ('watch_on_comment', models.BooleanField(default=True, help_text='Commenting on a thread watches it.')),
            ],
            options={
                'verbose_name': "member's settings",
                'verbose_name_plural': "members' settings",
            },
        ),
        migrations.CreateModel(
            name='Watch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='notification',
            name='notification_once_per_comment',
        ),
        migrations.AddField(
            model_name='notification',
            name='actor',
            field=models.ForeignKey(blank=True, help_text="Who did it (the latest liker for likes); empty for a moderator's action.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_claim',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name='notification',
            name='email_claimed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='emailed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('reply', 'Reply'), ('quote', 'Quote'), ('mention', 'Mention'), ('watched', 'New in something you watch'), ('like', 'Likes'), ('hidden', 'Hidden by a moderator')], default='reply', max_length=10),
        ),
        migrations.AddField(
            model_name='notification',
            name='reason',
            field=models.CharField(blank=True, help_text='What happened, as the member is told it.', max_length=500),
        ),
        migrations.AlterField(
            model_name='notification',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', '-created_at'], name='notification_recent'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('emailed_at__isnull', True), ('read_at__isnull', True)), fields=['recipient', 'created_at'], name='notification_mail_pending'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('recipient', 'comment', 'kind'), name='notification_once_per_event'),
        ),
        migrations.AddField(
            model_name='watch',
            name='article',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='treaty_reader.article'),
        ),
        migrations.AddField(
            model_name='watch',
            name='comment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='annotations.comment'),
        ),
        migrations.AddField(
            model_name='watch',
            name='document',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='treaty_reader.document'),
        ),
        migrations.AddField(
            model_name='watch',
            name='highlight',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='annotations.highlight'),
        ),
        migrations.AddField(
            model_name='watch',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='watch',
            index=models.Index(fields=['document', 'active'], name='watch_document'),
        ),
        migrations.AddConstraint(
            model_name='watch',
            constraint=models.UniqueConstraint(models.F('user'), models.F('document'), django.db.models.functions.comparison.Coalesce('article', 0), django.db.models.functions.comparison.Coalesce('highlight', 0), django.db.models.functions.comparison.Coalesce('comment', 0), name='watch_once'),
        ),
        migrations.AddConstraint(
            model_name='watch',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('article__isnull', True), ('highlight__isnull', True)), models.Q(('article__isnull', True), ('comment__isnull', True)), models.Q(('comment__isnull', True), ('highlight__isnull', True)), _connector='OR'), name='watch_one_target'),
        ),
        migrations.AddField(
            model_name='notification',
            name='watch',
            field=models.ForeignKey(blank=True, help_text='The watch that brought it, for a new comment where the member watches.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='annotations.watch'),
        ),
        migrations.CreateModel(
            name='Visit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('thread', models.CharField(max_length=40)),
                ('seen_at', models.DateTimeField()),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='treaty_reader.document')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'document', 'thread'), name='visit_once')],
            },
        ),
        migrations.RunPython(describe_existing_replies, migrations.RunPython.noop),
    ]
