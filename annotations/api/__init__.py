"""Open annotations: highlights and comments as W3C Web Annotations.

- ``jsonld``: one highlight or comment as a Web Annotation (JSON-LD, the anno.jsonld context);
- ``container``: the Annotation Container at ``/annotations/``: who sees what, filters, pages;
- ``selectors``: a posted target (quote and position selectors, or a clause) to positions;
- ``writes``: a posted annotation to the site's own services (``highlight_create``,
  ``comment_create``…), so other clients' writes are checked exactly like the site's;
- ``tokens``: personal access tokens and the ``Authorization: Bearer`` path;
- ``exporting``, ``importing``: a member's export, and the export and import commands;
- ``views``, ``urls``: the Web Annotation Protocol over HTTP.
"""
