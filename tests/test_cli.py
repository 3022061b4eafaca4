"""The command line: seed-demo, create-user, rrn rotate-key."""
from peewee import JOIN

from pumasi import demo
from pumasi.db import db
from pumasi.identity.rrn import passes_legacy_checksum, parse
from pumasi.identity.vault import Vault
from pumasi.models import Activity, AuditLog, DailyLog, Identity, Member, Participation


def test_seed_demo_is_idempotent(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context(), db.connection_context():
        counts = [m.select().count() for m in (Member, Activity, Participation, DailyLog)]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context(), db.connection_context():
        assert [m.select().count() for m in (Member, Activity, Participation, DailyLog)] == counts
        roles = {m.username: m.role for m in Member.select()}
        assert roles == {"admin": "operator", "site1": "site", "site2": "site", "vol1": "volunteer",
                         "vol2": "volunteer", "vol3": "volunteer"}
        years = {a.start_date.year for a in Activity.select()}
        assert years >= {2021, 2022, 2023, 2024, 2025, 2026} and Activity.select().count() >= 10
        no_logs = (Participation.select().join(DailyLog, JOIN.LEFT_OUTER)
                   .where(DailyLog.id.is_null()).count())
        assert no_logs >= 1
    assert "minjun1365" in runner.invoke(args=["sim1365", "list"]).output


def test_seed_demo_if_empty(app, runner):
    runner.invoke(args=["create-user", "--role", "operator", "--username", "boss", "--name", "대표",
                        "--password-stdin"], input="long-enough-password\n")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in result.output


def test_demo_rrns_cannot_be_real_people(app):
    for _, _, _, rrn, _ in demo.VOLUNTEERS:
        assert not passes_legacy_checksum(parse(rrn))


def test_create_user_from_stdin(app, runner):
    result = runner.invoke(args=["create-user", "--role", "operator", "--username", "boss", "--name", "대표",
                                 "--password-stdin"], input="long-enough-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context(), db.connection_context():
        boss = Member.get(Member.username == "boss")
        assert boss.role == "operator" and boss.check_password("long-enough-password")
        assert AuditLog.select().where(AuditLog.action == "member.create").count() == 1
    again = runner.invoke(args=["create-user", "--role", "operator", "--username", "boss", "--name", "x",
                                "--password-stdin"], input="long-enough-password\n")
    assert again.exit_code != 0 and "exists" in again.output


def test_create_user_rejects_short_password_and_site_without_name(app, runner):
    short = runner.invoke(args=["create-user", "--role", "volunteer", "--username", "a", "--name", "가",
                                "--password-stdin"], input="short\n")
    assert short.exit_code != 0
    nosite = runner.invoke(args=["create-user", "--role", "site", "--username", "m", "--name", "나",
                                 "--password-stdin"], input="long-enough-password\n")
    assert nosite.exit_code != 0
    with app.app_context(), db.connection_context():
        assert Member.select().count() == 0


def test_rrn_rotate_key(app, runner):
    old_vault = app.extensions["rrn_vault"]
    with app.app_context(), db.connection_context():
        demo.seed()
        vol = Member.get(Member.username == "vol1")
        Identity.create(member=vol, rrn_token=old_vault.encrypt("9001011234567"), rrn_masked="900101-1******")
    new_key = Vault.generate_key()
    app.config["RRN_KEYS"] = f"{new_key},{app.config['RRN_KEYS']}"
    app.extensions["rrn_vault"] = Vault.from_setting(app.config["RRN_KEYS"])
    result = runner.invoke(args=["rrn", "rotate-key"])
    assert result.exit_code == 0 and "re-encrypted 1" in result.output
    with app.app_context(), db.connection_context():
        token = Identity.get().rrn_token
    assert Vault([new_key]).decrypt(token) == "9001011234567"
    import pytest
    from pumasi.identity.vault import VaultError
    with pytest.raises(VaultError):
        old_vault.decrypt(token)
