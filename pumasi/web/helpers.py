"""What every blueprint uses: who may enter, the member acting, an object or a 404, page numbers,
and handing a link request to the workers."""
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required

from ..db import db_int
from ..jobs.tasks import enqueue_request
from ..ops import access


def role_required(*roles):
    """Only logged-in members of these roles may enter; others get 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def actor():
    """The member making this request (the object itself, not flask-login's proxy)."""
    return current_user._get_current_object()


def accessed(subject, action, what, reason=""):
    """Record that the member making this request touched subject's personal data (접속기록)."""
    return access.record_access(actor(), subject, action, what, reason)


def found_or_404(found):
    """What a look-up found (one scoped to the member: their own, or none), or a 404."""
    if found is None:
        abort(404)
    return found


def get_or_404(model, object_id):
    """An operator's look-up of any object by its id, or a 404."""
    return found_or_404(model.get_or_none(model.id == object_id))


def page_arg():
    """The page number a list asks for (1 when absent or not a number)."""
    return max(request.args.get("page", 1, type=db_int) or 1, 1)


def page_count(total, size):
    """How many pages of size rows total rows fill (at least one)."""
    return max((total + size - 1) // size, 1)


def queued(link_request):
    """Hand a committed link request (None: nothing was to be sent) to the workers; returns it."""
    if link_request is not None:
        enqueue_request(current_app, link_request.id)
    return link_request
