"""The Moderators group, with exactly the permissions moderation needs.

A moderator is a staff member in this group. They review and act on comments, highlights,
flags and suspensions, and see members through the ``Member`` proxy; they hold nothing on
auth.User, auth.Group or the treaty text, so they cannot change passwords, permissions or
the treaty.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = {
    "comment": ["view", "change"],
    "highlight": ["view", "change"],
    "flag": ["view", "change"],
    "suspension": ["view", "add", "change"],
    "member": ["view", "change"],
}


def create_moderators(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate), too late for this
    # migration on a fresh database, so create them first.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{verb}_{model}" for model, verbs in PERMISSIONS.items() for verb in verbs]
    permissions = list(
        Permission.objects.filter(content_type__app_label="annotations", codename__in=codenames)
    )
    missing = set(codenames) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"Permissions not found: {', '.join(sorted(missing))}")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(permissions)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_moderators, remove_moderators),
    ]
