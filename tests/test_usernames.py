"""User names are one name however their case or width is written (NFKC and case folding): at
creation (the operators' form, the command line, any code that saves a member: the database's unique
key), at log-in and in every look-up by 아이디; existing databases get the key by migration 8, which
stops, changing nothing, when two members' names are one."""
import pytest
from peewee import IntegrityError

from pumasi import migrations
from pumasi.accounts import usernames
from pumasi.db import db
from pumasi.models import AuditLog, Member, SchemaVersion

from helpers import ctx

FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in "vol1")  # ｖｏｌ１
SAME_AS_VOL1 = ["vol1", "VOL1", "Vol1", FULL_WIDTH, FULL_WIDTH.upper(), " vol1 ", "ｖｏｌ1", "VoL１"]


def test_the_key_of_a_name():
    assert {usernames.key(name) for name in SAME_AS_VOL1} == {"vol1"}
    assert usernames.normalize(FULL_WIDTH) == "vol1" and usernames.normalize(" Vol1 ") == "Vol1"
    assert usernames.key("vol2") != usernames.key("vol1")
    for bad in ("vоl1",  # a Cyrillic о: a look-alike from another script
                "vo", "x" * 41, "김민준", "vol 1", "vol1!", ""):
        assert usernames.problem(usernames.normalize(bad)) == usernames.RULE_MESSAGE, bad
    assert usernames.problem("removed-12") == usernames.RESERVED_MESSAGE
    assert usernames.problem("REMOVED-12") == usernames.RESERVED_MESSAGE
    assert usernames.problem(usernames.normalize("ｖｏｌ９")) is None


@pytest.mark.parametrize("name", SAME_AS_VOL1[1:])
def test_log_in_with_any_case_or_width(client, demo, name):
    response = client.post("/login", data={"username": name, "password": "pumasi-demo"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/")


def test_the_operators_form_refuses_a_name_that_is_taken_in_another_case_or_width(app, client, auth, demo):
    auth.login("admin")
    form = {"name": "새 회원", "role": "volunteer", "phone": "", "email": "", "password": "long-enough-pw"}
    for name in SAME_AS_VOL1[1:] + ["ADMIN", "Site1"]:
        response = client.post("/admin/members/new", data={**form, "username": name})
        assert response.status_code == 422 and usernames.TAKEN_MESSAGE in response.text, name
    made = client.post("/admin/members/new", data={**form, "username": "ｎｅｗ１"})
    assert made.status_code == 303
    with ctx(app):
        assert Member.get(Member.named("NEW1")).username == "new1"  # stored in NFKC form
    for name in ("vоl9", "removed-3"):
        assert client.post("/admin/members/new", data={**form, "username": name}).status_code == 422


def test_the_command_line_too(app, runner, demo):
    for name in ("VOL1", FULL_WIDTH):
        result = runner.invoke(args=["create-user", "--role", "volunteer", "--username", name, "--name", "x",
                                     "--password-stdin"], input="long-enough-pw\n")
        assert result.exit_code != 0 and "exists already" in result.output, name
    bad = runner.invoke(args=["create-user", "--role", "volunteer", "--username", "removed-9", "--name", "x",
                              "--password-stdin"], input="long-enough-pw\n")
    assert bad.exit_code != 0 and "3 to 40" in bad.output
    ok = runner.invoke(args=["create-user", "--role", "volunteer", "--username", "ＣＬＩ１", "--name", "x",
                             "--password-stdin"], input="long-enough-pw\n")
    assert ok.exit_code == 0, ok.output
    with ctx(app):
        assert Member.get(Member.named("cli1")).username == "CLI1"


def test_the_database_itself_refuses_a_second_one(app, demo):
    """Whatever code saves a member (a future import, a script): the unique key is the database's."""
    with ctx(app):
        for name in ("VOL1", FULL_WIDTH):
            with pytest.raises(IntegrityError), db.atomic():
                Member.create(username=name, password_hash="x", name="x", role="volunteer")


def test_a_removed_member_keeps_a_name_no_one_can_take(app, client, auth, demo):
    auth.login("admin")
    with ctx(app):
        vol3 = Member.get(Member.username == "vol3")
    assert client.post(f"/admin/members/{vol3.id}/remove").status_code == 303
    with ctx(app):
        gone = Member.get_by_id(vol3.id)
        assert gone.username == f"removed-{vol3.id}" and gone.username_key == f"removed-{vol3.id}"
    response = client.post("/admin/members/new", data={"username": "vol3", "name": "새", "role": "volunteer",
                                                       "password": "long-enough-pw"})
    assert response.status_code == 303  # the old name is free again


def _back_to_version_7(app, *extra):
    """The member table as release 7 had it (no key column), with extra members inserted by SQL."""
    with ctx(app):
        db.execute_sql("DROP INDEX member_username_key")
        db.execute_sql("ALTER TABLE member DROP COLUMN username_key")
        db.execute_sql("ALTER TABLE member DROP COLUMN page_version")  # 14 came after
        db.execute_sql("ALTER TABLE member DROP COLUMN birth_date")  # and 18
        for username in extra:
            db.execute_sql(f"INSERT INTO member (username, password_hash, name, role, phone, email, active, "
                           f"created_at, session_version, must_change_password) VALUES ({db.param}, '!', '옛회원', "
                           f"'volunteer', '', '', {db.param}, CURRENT_TIMESTAMP, 0, {db.param})",
                           (username, True, False))
        SchemaVersion.update(version=7).execute()


def _columns():
    return {column.name for column in db.get_columns("member")}


def test_migration_fills_the_keys(app, demo):
    _back_to_version_7(app, "Mixed.Case")
    with ctx(app):
        assert migrations.upgrade() == (7, migrations.LATEST)
        keys = dict(Member.select(Member.username, Member.username_key).tuples())
        assert keys["vol1"] == "vol1" and keys["Mixed.Case"] == "mixed.case"
        with pytest.raises(IntegrityError), db.atomic():
            Member.create(username="MIXED.case", password_hash="x", name="x", role="volunteer")


def test_migration_stops_on_names_that_are_one_and_says_what_to_do(app, runner, demo):
    """Two members whose names are one once case and width are ignored: the migration stops with
    their names and ids and the command that settles it; nothing was changed. rename-user works on
    the old schema; then the migration goes through, and the rename is audited."""
    _back_to_version_7(app, "VOL1", FULL_WIDTH)
    with ctx(app):
        with pytest.raises(migrations.MigrationStopped) as stopped:
            migrations.upgrade()
        message = str(stopped.value)
        assert "'vol1'" in message and "'VOL1'" in message and repr(FULL_WIDTH) in message
        assert "rename-user" in message and "nothing was changed" in message
        assert migrations.current_version() == 7 and "username_key" not in _columns()
    failed = runner.invoke(args=["init-db"])
    assert failed.exit_code != 0 and "rename-user" in str(failed.exception or failed.output)
    for old, new in (("VOL1", "vol1-second"), (FULL_WIDTH, "vol1-third")):
        result = runner.invoke(args=["rename-user", old, new])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["rename-user", "vol1-third", "VOL1-SECOND"]).exit_code != 0  # taken
    with ctx(app):
        assert migrations.upgrade() == (7, migrations.LATEST)
        assert Member.get(Member.named("VOL1-SECOND")).username == "vol1-second"
        assert AuditLog.select().where(AuditLog.action == "member.rename").count() == 2
