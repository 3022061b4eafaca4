"""Members from the command line: `flask create-user`, `flask rename-user`, `flask set-password`."""
import sys

import click
from flask.cli import with_appcontext
from peewee import IntegrityError

from ..accounts import passwords, usernames
from ..accounts.members import ROLE_LABELS
from ..db import db, unique_columns
from ..models import ROLES, Member, Site
from ..ops import audit


def _read_password(from_stdin):
    """A new password from standard input (one line) or asked twice; the rules checked."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if passwords.rule_error(password):
        raise click.ClickException(f"the password must have {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} "
                                   "characters")
    return password


@click.command("create-user")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--site", "site_name", default=None, help="site (활동처) name, for --role site")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def create_user(role, username, name, site_name, password_stdin):
    """Create a member (the first operator of a real deployment, for instance)."""
    username = usernames.normalize(username)
    if usernames.problem(username):  # the rule of the operators' form, in English here
        raise click.ClickException("the username must be 3 to 40 of A-Z a-z 0-9 _ . - "
                                   f"and not start with {usernames.REMOVED_PREFIX!r}")
    password = _read_password(password_stdin)
    if role == "site" and not site_name:
        raise click.ClickException("--site is required for a site manager")
    taken = click.ClickException(f"username {username!r} exists already (user names are compared "
                                 "ignoring case and width)")
    with db.connection_context():
        try:
            with db.atomic():
                if Member.select().where(Member.named(username)).exists():
                    raise taken
                site = Site.get_or_create(name=site_name)[0] if site_name else None
                member = Member(username=username, name=name, role=role, site=site)
                member.set_password(password)
                member.save()
                audit.record("member.create", target=member, detail=f"구분 {ROLE_LABELS.get(role, role)} (명령줄)")
        except IntegrityError as exc:  # created by someone else at the same moment
            if unique_columns(exc) & {"username", "username_key"}:
                raise taken from None
            raise
    click.echo(f"created {role} {username}")


@click.command("rename-user")
@click.argument("old")
@click.argument("new")
@with_appcontext
def rename_user(old, new):
    """Give a member another user name (audited; their sessions end). Works before and after the
    migration that compares names ignoring case and width, to settle names it finds colliding."""
    new = usernames.normalize(new)
    if usernames.problem(new):
        raise click.ClickException("the new username must be 3 to 40 of A-Z a-z 0-9 _ . -")
    with db.connection_context(), db.atomic():
        # Only id and username are read: the key column may not exist yet (before migration 7).
        rows = list(Member.select(Member.id, Member.username).tuples())
        found = [member_id for member_id, username in rows if username == old]
        if not found:
            raise click.ClickException(f"no member with username {old!r}")
        if any(usernames.key(username) == usernames.key(new) for member_id, username in rows
               if member_id != found[0]):
            raise click.ClickException(f"username {new!r} is taken (names are compared ignoring case and width)")
        changes = {Member.username: new, Member.session_version: Member.session_version + 1}
        if "username_key" in {column.name for column in db.get_columns("member")}:
            changes[Member.username_key] = usernames.key(new)
        Member.update(changes).where(Member.id == found[0]).execute()
        audit.record("member.rename", target=Member(id=found[0]), detail=f"{old} -> {new} (명령줄)")
    click.echo(f"renamed {old} to {new}")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--temporary", is_flag=True, help="the member must change it at the next log-in")
@with_appcontext
def set_password(username, password_stdin, temporary):
    """Set a member's password (ends every session of theirs; audited)."""
    with db.connection_context():
        member = Member.get_or_none(Member.named(username), Member.removed_at.is_null())
        if member is None:
            raise click.ClickException(f"no member with username {username!r}")
        password = _read_password(password_stdin)
        passwords.set_from_command_line(member, password, temporary=temporary)
    click.echo(f"password of {username} set" + (" (to be changed at the next log-in)" if temporary else ""))


