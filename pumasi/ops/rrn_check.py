"""`flask check`'s item about RRNs typed where they do not belong, before the forms refused them
(pumasi.inputs): an RRN-shaped number kept in a member's 아이디, name, phone or e-mail, a site's name
or phone, an activity's title, category or place. Only where each is (table, id, column) is told,
never the value; an operator corrects it on the member's or the site's page."""
from peewee import DatabaseError, InterfaceError

from ..db import db
from ..identity.rrn import RRN_IN_TEXT
from ..models import Activity, Member, Site

NAME = "RRN-shaped values"
PLACES = ((Member, ("username", "name", "phone", "email")), (Site, ("name", "phone")),
          (Activity, ("title", "category", "location")))
SHOWN = 10  # places named in the item's detail


def found():
    """[(table, id, column)] of every value holding an RRN-shaped number, in PLACES' order."""
    places = []
    for model, columns in PLACES:
        fields = [getattr(model, column) for column in columns]
        for row in model.select(model.id, *fields).tuples().iterator():
            places += [(model._meta.table_name, row[0], column)
                       for column, value in zip(columns, row[1:]) if value and RRN_IN_TEXT.search(value)]
    return places


def item():
    """(name, ok, detail)."""
    try:
        with db.connection_context():
            places = found()
    except (DatabaseError, InterfaceError) as exc:
        return (NAME, False, f"unreadable: {str(exc).strip()[:200]}")
    if not places:
        return (NAME, True, "none in members' 아이디, names, phones and e-mails, sites, activities")
    named = ", ".join(f"{table} #{row_id} {column}" for table, row_id, column in places[:SHOWN])
    more = f" and {len(places) - SHOWN} more" if len(places) > SHOWN else ""
    return (NAME, False, f"{len(places)} found: {named}{more} (correct them in 회원 / 활동처 관리; "
                         "the forms refuse such values now)")
