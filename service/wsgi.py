"""The WSGI entry point for gunicorn: ``gunicorn service.wsgi:app``."""

from __future__ import annotations

import sys

from service import create_app
from service.pipeline.classifier import classifier_holder
from service.settings import SettingsError
from service.storage import db
from service.web.compat import languages

try:
    app = create_app()
    with app.app_context():
        db.check_schema(db.engine())
        classifier_holder().load()
    # Before the first Perspective call, which would otherwise wait a second for it.
    languages.load()
except (SettingsError, db.SchemaNotCurrent) as error:
    print(f"sieve: cannot start: {error}", file=sys.stderr)
    sys.exit(1)
