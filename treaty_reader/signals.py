"""What the reading core tells apps built on it, without knowing who listens.

The core stores and corrects the treaty's text; other apps keep things that hang on that text
(the annotations app: highlights anchored to its words, the forum's replies as comments).
Both signals are sent inside the write's transaction, so a receiver that fails undoes the
whole import or correction.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by ``services.document_import`` after a parsed text is stored, with
#: ``report`` (the ``ImportReport`` being built: receivers fill in what they did),
#: ``parsed`` (the ``ParsedDocument``, forum replies included) and ``text_changed``
#: (an existing document's text is now different).
text_imported = Signal()

#: Sent by ``services.clause_update_text`` after one clause was corrected, with
#: ``document``. Each receiver returns a one-line summary of what it did, or None.
text_corrected = Signal()
