"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

This folder is a package so its modules import as ``e2e.*`` (or ``tests.e2e.*``) and can use
relative imports; without it, a ``tests/e2e/test_views.py`` would clash with any other
``test_views.py`` under ``tests/``.
"""
