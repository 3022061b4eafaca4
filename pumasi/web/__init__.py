"""The web: one blueprint per audience — `auth` (log-in), `account` (own password), `invite` (an
invited member's first log-in), `signup` (회원가입), `mypage` (volunteers; `myinfo` adds 내 정보 to it),
`site` (activity sites), `admin` (operators), `help`, `health` (/healthz), `verify` (the public 확인서 verification page) — and
what they share: `certificates` (a 확인서's PDF download), `helpers` (roles, the acting member, 404s,
pages), `forms`, `listargs`, `htmx` (fragments and dialogs), `templating` (filters and the one label table), `security` (CSRF, input rule, headers),
`errors`, `login`, `ratelimit`, `proxies` (the client's address), `requestlog` (set up first by the
factory, so that a request's time includes its database connection), `compress`, `live` (활동내역's
conditional answers and its poll) and `svg` (the operators' charts).

Views parse the request, call the domain (pumasi.linkage, .records, .identity, .accounts, .ops) and
render; no rule lives here."""
from . import (account, admin, auth, certificates, compress, errors, health, help, invite, live, mypage,  # noqa: F401
               myinfo, proxies, security, signup, site, templating, verify)  # (myinfo: routes)
from .login import login_manager
from .ratelimit import init_app as init_ratelimit


def init_app(app):
    """Everything the web adds to the app, in order: the outermost WSGI layer (proxies) last."""
    security.cookies_and_limits(app)
    security.csrf.init_app(app)
    init_ratelimit(app)
    login_manager.init_app(app)
    app.url_map.converters["int"] = security.BoundedIntConverter
    # Ahead of every hook of the blueprints (which load the member): the poll's 204, the page's 304.
    app.before_request(live.answer_unchanged)
    for blueprint in (auth.bp, account.bp, invite.bp, signup.bp, mypage.bp, help.bp, admin.bp, site.bp, health.bp, verify.bp):
        app.register_blueprint(blueprint)
    app.before_request(security.refuse_bad_input)
    templating.init_app(app)
    app.jinja_env.filters["row_sig"] = live.signature
    certificates.init_app(app)
    app.after_request(security.security_headers)
    security.without_server_header()
    compress.init_app(app)
    errors.init_app(app)
    app.wsgi_app = live.UnchangedPolls(app, app.wsgi_app)  # inside the proxies' layer
    proxies.init_app(app)
