"""htmx helpers: fragment or page, and the response headers that steer the swap."""
from flask import make_response, render_template, request


def is_fragment_request():
    """True for an htmx request that wants a fragment (not a boosted navigation or history restore)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def render(page_template, fragment_template, status=200, **context):
    """Render the fragment for htmx, else the full page that includes it (Vary: HX-Request)."""
    template = fragment_template if is_fragment_request() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def modal(template, status=200, **context):
    """A dialog fragment swapped into #modal, whatever element asked for it."""
    response = make_response(render_template(template, **context), status)
    response.headers["HX-Retarget"] = "#modal"
    response.headers["HX-Reswap"] = "innerHTML"
    response.vary.add("HX-Request")
    return response


_TRIGGER_HEADERS = {None: "HX-Trigger", "swap": "HX-Trigger-After-Swap", "settle": "HX-Trigger-After-Settle"}


def trigger(response, event, after=None):
    """Tell the page that something changed (an HX-Trigger event).

    htmx fires a plain HX-Trigger before it swaps; use after="swap" when the event removes the
    element that made the request (closing the modal a form sits in), or a retarget would fail.
    """
    response.headers[_TRIGGER_HEADERS[after]] = event
    return response


STOP_POLLING = 286
