"""The instance folder is for the service's user alone (issue 12, item 12): after a real start of
`make run`'s processes (`flask up`: embedded Redis, the 1365 simulator, a worker, gunicorn) from a
shell with the usual umask 022, instance/ is 0700 and nothing in it is readable by others: the
databases with their -wal and -shm, the development secrets, the Redis socket and log, the simulator's
store. A folder that an older start left open is closed too."""
import os
import re
import signal
import stat
import subprocess

import requests

import helpers


def _open_to_others(folder):
    found = []
    for root, dirs, files in os.walk(folder):
        for name in [root, *(os.path.join(root, f) for f in files)]:
            mode = os.lstat(name).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                found.append((os.path.relpath(name, folder), oct(stat.S_IMODE(mode))))
    return found


def test_instance_files_are_private_after_a_real_start(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)  # as an older start left it
    (instance / "notes.txt").write_text("left by an older start")
    os.chmod(instance / "notes.txt", 0o644)
    port = helpers.free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PUMASI_") and key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PUMASI_INSTANCE_PATH=str(instance), PUMASI_PORT=str(port),
               PUMASI_SIM1365_PORT=str(helpers.free_port()), PUMASI_QUEUE=f"perm-{port}", PYTHONUNBUFFERED="1")
    flask = [helpers.python(), "-m", "flask", "--app", "app"]
    log = open(tmp_path / "up.log", "wb")
    for command in (["init-db"], ["seed-demo"]):
        subprocess.run(flask + command, env=env, cwd=helpers.ROOT, check=True, umask=0o022, stdout=log, stderr=log)
    up = subprocess.Popen(flask + ["up"], env=env, cwd=helpers.ROOT, umask=0o022, stdout=log, stderr=log,
                          start_new_session=True)
    try:
        helpers.wait_http(f"http://127.0.0.1:{port}/login", seconds=60, process=up)
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/login", timeout=10)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        answer = session.post(f"http://127.0.0.1:{port}/login", timeout=10, allow_redirects=False,
                              data={"csrf_token": token, "username": "vol1", "password": "pumasi-demo"})
        assert answer.status_code == 303
        present = set(os.listdir(instance))
        assert {"pumasi.db", "pumasi.db-wal", "pumasi.db-shm", "secret_key", "rrn_keys", "redis.sock",
                "sim1365.db"} <= present, present
        assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
        assert _open_to_others(instance) == []
    finally:
        os.killpg(up.pid, signal.SIGINT)
        try:
            up.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
        log.close()
