"""Load a thread exported by benchmarks/bench.py: the same bodies, authors, times and nesting."""

import json
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from django_comments_xtd.models import XtdComment

from thread.models import Passage


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("path")

    @transaction.atomic
    def handle(self, *args, path, **options):
        with open(path, encoding="utf-8") as f:
            thread = json.load(f)
        passage = Passage.objects.create(title="A passage", quote=thread["quote"])
        content_type = ContentType.objects.get_for_model(Passage)
        site = Site.objects.get_current()
        ids = {}
        # Comment by comment, through XtdComment.save(), which computes the thread order
        # and nesting level the way a posted comment gets them.
        for item in thread["comments"]:
            comment = XtdComment(
                content_type=content_type,
                object_pk=str(passage.pk),
                site=site,
                user_name=item["author"],
                user_email=f"{item['author']}@demo.invalid",
                comment=item["body"],
                submit_date=datetime.fromisoformat(item["created_at"]),
                parent_id=ids[item["parent"]] if item["parent"] is not None else 0,
            )
            comment.save()
            ids[item["id"]] = comment.pk
        self.stdout.write(str(passage.pk))
