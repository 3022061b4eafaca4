"""htmx: a fragment or its page, dialogs (a modal for htmx, else the same words as a page), and the
response headers that steer a swap."""
from flask import make_response, render_template, request
from flask import redirect as flask_redirect

MODAL_LAYOUT = "_modal.html"


def is_fragment_request():
    """True for an htmx request that wants a fragment (not a boosted navigation or history restore)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def render(page_template, fragment_template, status=200, **context):
    """A URL with two representations: the fragment for htmx, else the full page that includes it."""
    template = fragment_template if is_fragment_request() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def modal(template, status=200, **context):
    """A dialog template as a modal: swapped into #modal, whatever element asked for it."""
    response = make_response(render_template(template, layout=MODAL_LAYOUT, modal=True, **context), status)
    response.headers["HX-Retarget"] = "#modal"
    response.headers["HX-Reswap"] = "innerHTML"
    response.vary.add("HX-Request")
    return response


def dialog(template, page_layout, status=200, **context):
    """A dialog template (it extends `layout`): a modal for htmx; otherwise, for a tap made before the
    scripts loaded or without JavaScript, the same words as a page of page_layout."""
    if is_fragment_request():
        return modal(template, status, **context)
    response = make_response(render_template(template, layout=page_layout, modal=False, **context), status)
    response.vary.add("HX-Request")
    return response


_TRIGGER_HEADERS = {None: "HX-Trigger", "swap": "HX-Trigger-After-Swap", "settle": "HX-Trigger-After-Settle"}


def trigger(response, event, after=None):
    """Tell the page that something changed (an HX-Trigger event; several: comma-separated).

    htmx fires a plain HX-Trigger before it swaps; use after="swap" when the event removes the
    element that made the request (closing the modal a form sits in), or a retarget would fail.
    """
    response.headers[_TRIGGER_HEADERS[after]] = event
    return response


def changed(*events):
    """A 204 that tells the page what to refresh, then closes the modal (in that order: closing
    empties #modal, and an event fired on the detached form would not reach body)."""
    return trigger(make_response("", 204), ", ".join(events + ("modal-close",)))


def redirect_to(url):
    """After a change made from a dialog: htmx loads the page at url (HX-Redirect), else a 303 to it."""
    if is_fragment_request():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return flask_redirect(url, 303)
