"""The WSGI entry point: `flask --app app …`, `gunicorn app:app`."""
from pumasi import create_app
from pumasi.instance import private_umask

private_umask()
app = create_app()
