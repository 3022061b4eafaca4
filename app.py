"""The WSGI entry point: `flask --app app …`, `gunicorn app:app`."""
from pumasi import create_app

app = create_app()
