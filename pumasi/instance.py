"""The instance folder (`instance/`, or PUMASI_INSTANCE_PATH): private to the service's user, with
the development secrets generated into it when the environment gives none."""
import logging
import os
import stat

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def private_umask():
    """What this process and its children create is for this service's user alone (umask 077): the
    entry points (app.py for gunicorn and `flask`, worker.py) call it before the app exists, so that
    SQLite's -wal and -shm, the embedded Redis's socket and log and the simulator's store are 0600.
    Not create_app: a process that only builds an app (a test run) keeps its own umask."""
    os.umask(0o077)


def instance_path(test_config=None):
    """Where the instance folder is: the test's, else PUMASI_INSTANCE_PATH, else instance/ here."""
    return os.path.abspath((test_config or {}).get("INSTANCE_PATH") or os.environ.get("PUMASI_INSTANCE_PATH")
                           or os.path.join(ROOT, "instance"))


def private_folder(path):
    """Make path a folder for this service's user alone: 0700, and nothing in it readable by others
    (the instance folder holds password hashes, sealed RRNs, phone numbers and the development keys;
    an older start may have left it open)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    for entry in [path, *(os.path.join(path, name) for name in os.listdir(path))]:
        try:
            mode = os.lstat(entry).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                os.chmod(entry, stat.S_IMODE(mode) & 0o700)
        except OSError as exc:  # not ours (or gone meanwhile): say so, do not stop the start
            log.warning("could not make %s private: %s", entry, exc)


def development_secret(folder, name, make):
    """Read a development secret from the instance folder, creating it (mode 0600) the first time."""
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        log.warning("%s is not set: generating a development value into %s", name.upper(), path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make())
    with open(path) as f:
        return f.read().strip()
