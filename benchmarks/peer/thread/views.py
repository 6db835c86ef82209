from django.shortcuts import get_object_or_404, render

from .models import Passage


def passage(request, pk):
    """The passage's whole comment tree, as a fragment like Treaty Reader's HTMX thread."""
    return render(request, "thread/passage.html", {"passage": get_object_or_404(Passage, pk=pk)})
