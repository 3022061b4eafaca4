"""Two people saving the same thing at the same moment: every unique key a form can meet (a member's
아이디, a site's name, a volunteer in an activity, a volunteer's 본인인증) ends with one saved and the
others told, in Korean, what a sequential duplicate is told; never a 500. Real concurrency: threads
released together by a barrier, each with its own client and database connection, on SQLite and
PostgreSQL; the command line as processes."""
import subprocess
import threading
from datetime import date

import pytest
from peewee import IntegrityError

from pumasi.accounts import sites, usernames
from pumasi.records.activities import ALREADY_MEMBER_MESSAGE
from pumasi.db import db, unique_columns
from pumasi.models import Activity, Identity, Member, Participation, Site

import helpers
from helpers import child_env, ctx

THREADS = 6
ROUNDS = 4  # a race is won by chance: several rounds, so that two requests do meet


def race(app, username, send, n=THREADS):
    """Log n clients in as username, then release their requests together; the responses."""
    clients = [app.test_client() for _ in range(n)]
    for client in clients:
        assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
    barrier = threading.Barrier(n)
    results = [None] * n
    errors = []

    def run(index):
        try:
            barrier.wait(10)
            results[index] = send(clients[index], index)
        except Exception as exc:  # noqa: BLE001 (shown by the assertion below)
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def one_won(results, won, message):
    """Exactly one response is the success, every other a 422 with the sequential duplicate's message."""
    statuses = sorted(response.status_code for response in results)
    assert statuses.count(won) == 1 and statuses.count(422) == len(results) - 1, statuses
    for response in results:
        if response.status_code == 422:
            assert message in response.get_data(as_text=True)


def member_form(username):
    return {"username": username, "name": "경주자", "role": "volunteer", "phone": "", "email": "",
            "password": "racer-password"}


@pytest.mark.parametrize("variants", [False, True])
def test_operators_creating_one_user_name_at_once(app, demo, variants):
    for n in range(ROUNDS):
        name = f"racer{n}"
        names = [name, name.upper(), name.title(), "".join(chr(ord(c) + 0xFEE0) for c in name),
                 "".join(chr(ord(c.upper()) + 0xFEE0) for c in name), name.capitalize()] if variants else [name] * 6
        results = race(app, "admin", lambda client, i: client.post("/admin/members/new", data=member_form(names[i])))
        one_won(results, 303, usernames.TAKEN_MESSAGE)
        with ctx(app):
            assert Member.select().where(Member.named(name)).count() == 1


def test_operators_creating_one_site_at_once(app, demo):
    for n in range(ROUNDS):
        results = race(app, "admin", lambda client, i: client.post("/admin/sites/new",
                                                                   data={"name": f"동시 활동처 {n}", "phone": ""}))
        one_won(results, 303, sites.SITE_TAKEN_MESSAGE)
        with ctx(app):
            assert Site.select().where(Site.name == f"동시 활동처 {n}").count() == 1


def test_operators_renaming_sites_to_one_name_at_once(app, demo):
    for n in range(ROUNDS):
        with ctx(app):
            ids = [Site.create(name=f"이름 {n}-{i}").id for i in range(THREADS)]
        results = race(app, "admin", lambda client, i: client.post(f"/admin/sites/{ids[i]}",
                                                                   data={"name": f"같은 새 이름 {n}", "phone": ""}))
        one_won(results, 303, sites.SITE_TAKEN_MESSAGE)


def test_a_site_adding_one_volunteer_twice_at_once(app, demo):
    with ctx(app):
        site = Member.get(Member.username == "site1").site
        activities = [Activity.create(site=site, category="문화", title=f"동시 추가 {n}", start_date=date(2026, 1, 1),
                                      end_date=date(2026, 12, 31)) for n in range(ROUNDS)]
    for activity in activities:
        results = race(app, "site1", lambda client, i: client.post(f"/site/activities/{activity.id}/volunteers",
                                                                   data={"username": "vol2"},
                                                                   headers={"HX-Request": "true"}))
        one_won(results, 204, ALREADY_MEMBER_MESSAGE)
        with ctx(app):
            assert Participation.select().where(Participation.activity == activity.id).join(Member).where(
                Member.username == "vol2").count() == 1


def test_two_tabs_verifying_at_once(app, demo):
    """본인인증 in several tabs at once: each answered, one identity kept (the unique key per member)."""
    app.config["IDENTITY_LIMIT"] = "1000 per minute"
    for _ in range(ROUNDS):
        results = race(app, "vol3", lambda client, i: client.post(
            "/mypage/identity", data={"rrn_front": "020304", "rrn_back": "4567890"}), n=4)
        assert sorted(response.status_code for response in results) == [303] * 4
        with ctx(app):
            assert Identity.select().join(Member).where(Member.username == "vol3").count() == 1


def test_create_user_on_the_command_line_at_once(sqlite_app):
    """`flask create-user` started four times at once with the same name (in different cases): one
    creates it, the others say it exists, none fails with a traceback."""
    env = child_env(sqlite_app)
    argv = [helpers.python(), "-m", "flask", "--app", "app", "create-user", "--role", "operator", "--name", "운영"]
    processes = [subprocess.Popen([*argv, "--username", name, "--password-stdin"], env=env, cwd=helpers.ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for name in ("cliracer", "CLIRACER", "ｃｌｉｒａｃｅｒ", "CliRacer")]
    outputs = [process.communicate("long-enough-password\n", timeout=60) for process in processes]
    codes = sorted(process.returncode for process in processes)
    assert codes == [0, 1, 1, 1], outputs
    assert all("Traceback" not in out and ("created" in out or "exists already" in out) for out, _ in outputs)
    with ctx(sqlite_app):
        assert Member.select().where(Member.named("cliracer")).count() == 1


def test_unique_columns_on_both_databases(app, demo):
    """db.unique_columns reads which unique key an IntegrityError broke, from either database."""
    with ctx(app):
        vol1 = Member.get(Member.username == "vol1")
        activity = Activity.select().first()
        Participation.get_or_create(activity=activity, volunteer=vol1)
        cases = [(lambda: Member.create(username="VOL1", password_hash="x", name="x", role="volunteer"),
                  {"username_key"}),
                 (lambda: Site.create(name=Site.select().first().name), {"name"}),
                 (lambda: Participation.create(activity=activity, volunteer=vol1), {"activity_id", "volunteer_id"})]
        for make, columns in cases:
            with pytest.raises(IntegrityError) as caught, db.atomic():
                make()
            assert unique_columns(caught.value) == columns
