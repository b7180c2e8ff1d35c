"""The WSGI application: plain HTTP in production, served by gunicorn's workers, while uvicorn serves the
websockets (`/ws/`) from portal.asgi. The two are the same Django project; docs/operations.md gives the layout
and the benchmark that chose it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
application = get_wsgi_application()
