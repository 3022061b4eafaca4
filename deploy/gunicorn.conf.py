"""gunicorn's settings for pumasi (`gunicorn -c deploy/gunicorn.conf.py app:app`).

Processes and threads come from PUMASI_WEB_PROCESSES and PUMASI_WEB_THREADS, the very settings
`flask --app app check` counts into the PostgreSQL connection sum, so the two cannot disagree.
The address is the unit's (--bind 127.0.0.1:8000, what deploy/nginx/pumasi.conf proxies to).
"""
from pumasi import settings

_values = settings.from_environ()

workers = _values["WEB_PROCESSES"]
threads = _values["WEB_THREADS"]
worker_class = "gthread"
# Requests are buffered whole by nginx; a slow one is still cut off rather than holding a thread.
timeout = 60
graceful_timeout = 30
# No access log: the app writes one line per request (pumasi/web/requestlog.py), without query strings.
accesslog = None
