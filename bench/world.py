"""One benchmark run's world: a temporary folder, a throwaway database, a Redis queue, the settings
every process gets, and the cleanup of all of it."""
import os
import re
import shutil
import tempfile
import uuid

import redis

from pumasi import create_app, migrations
from pumasi.db import db
from pumasi.identity.vault import Vault

from . import config
from .procs import Processes


def _pg_reachable(url):
    import psycopg2
    try:
        psycopg2.connect(url, connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False


class World:
    """Settings shared by this process and every child; call close() to remove everything."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="pumasi-bench-")
        self.instance = os.path.join(self.tmp, "instance")
        os.makedirs(self.instance)
        logs = os.path.join(self.tmp, "logs")
        os.makedirs(logs)
        self.processes = Processes(logs)
        self.queue = f"bench-{uuid.uuid4().hex[:10]}"
        self.rrn_keys = Vault.generate_key()
        self.secret_key = uuid.uuid4().hex + uuid.uuid4().hex
        self.sim_db = os.path.join(self.tmp, "sim1365.db")
        self.bare_rows = os.path.join(self.tmp, "bare_rows.json")
        self.sim_url = None
        self._pg_name = None
        self.database_url = self._database()
        self.redis_url = self._redis()
        self._app = None

    def _database(self):
        if config.DATABASE == "postgres" and _pg_reachable(config.PG_ADMIN):
            import psycopg2
            self._pg_name = f"pumasi_bench_{os.getpid()}"
            admin = psycopg2.connect(config.PG_ADMIN)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {self._pg_name}")
                cur.execute(f"CREATE DATABASE {self._pg_name}")
            admin.close()
            return re.sub(r"/[^/]*$", f"/{self._pg_name}", config.PG_ADMIN)
        return f"sqlite:///{os.path.join(self.tmp, 'pumasi.db')}"

    def _redis(self):
        try:
            redis.Redis.from_url(config.REDIS, socket_connect_timeout=1).ping()
            return config.REDIS
        except redis.RedisError:
            from pumasi.jobs.embedded import embedded_command, embedded_paths, wait_for
            folder = os.path.join(self.tmp, "redis")
            os.makedirs(folder)
            self.processes.start("redis", embedded_command(folder, daemonize=False), dict(os.environ))
            return wait_for(f"unix://{embedded_paths(folder)['sock']}")

    @property
    def database_kind(self):
        return "PostgreSQL" if self._pg_name else "SQLite"

    def env(self, **extra):
        """The environment of a child process (web, worker, simulator)."""
        env = dict(os.environ)
        env.update({
            "PUMASI_ENV": "development",
            "PUMASI_INSTANCE_PATH": self.instance,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "PUMASI_QUEUE": self.queue,
            "PUMASI_SECRET_KEY": self.secret_key,
            "PUMASI_RRN_KEYS": self.rrn_keys,
            "PUMASI_SIM1365_DB": self.sim_db,
            "PUMASI_SIM1365_DELAY": "0",
            "PUMASI_LINK_POLL_INTERVAL": config.POLL_INTERVAL,
            # The whole backlog is made before the workers start (so that only they are timed); the
            # sweeper would take its oldest requests for stalled ones and send them a second way.
            "PUMASI_LINK_STALL_AFTER": "3600",
            "PUMASI_RATELIMIT_STORAGE": "memory://",
            "PYTHONUNBUFFERED": "1",
        })
        if self.sim_url:
            env["PUMASI_1365_URL"] = self.sim_url
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def app(self):
        """The app in this process, on the same settings as the children (schema created once)."""
        if self._app is None:
            saved = dict(os.environ)
            os.environ.update(self.env())
            try:
                self._app = create_app({"INSTANCE_PATH": self.instance})
            finally:
                os.environ.clear()
                os.environ.update(saved)
            with self._app.app_context(), db.connection_context():
                migrations.upgrade()
        return self._app

    def close(self):
        """Stop every process, drop the database, remove the queue's keys and the folder."""
        self.processes.stop_all()
        if not db.is_closed():
            db.close()
        if self._pg_name:
            import psycopg2
            admin = psycopg2.connect(config.PG_ADMIN)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {self._pg_name} WITH (FORCE)")
            admin.close()
        if self.redis_url == config.REDIS:
            self._clean_redis()
        if config.KEEP:
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _clean_redis(self):
        from rq import Queue
        from rq.job import Job
        conn = redis.Redis.from_url(self.redis_url)
        for name in (self.queue, self.queue + "-naive"):
            queue = Queue(name, connection=conn)
            for registry in (queue.failed_job_registry, queue.finished_job_registry, queue.started_job_registry,
                             queue.scheduled_job_registry, queue.deferred_job_registry,
                             queue.canceled_job_registry):
                for job_id in registry.get_job_ids():
                    Job(job_id, connection=conn).delete(remove_from_queue=False)
            queue.delete(delete_jobs=True)
        for key in conn.scan_iter(match=f"*{self.queue}*", count=1000):
            conn.delete(key)
