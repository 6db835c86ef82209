from django.db import models
from django.urls import reverse


class Passage(models.Model):
    """What the comments are about: stands in for a highlight of the treaty."""

    title = models.CharField(max_length=200)
    quote = models.TextField()

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("passage", kwargs={"pk": self.pk})
