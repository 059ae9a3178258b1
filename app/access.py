"""Who may do what: the signed-in user behind a request, the role every route needs, and the
CSRF check on changes made from pages.

Every route has a rule in `RULES`; a route without one is refused (and a test fails), so a new
route cannot be left open by mistake. A request is identified by a personal API token
(`Authorization: Bearer …`), else by the session cookie; a change made with the session cookie
must also carry the session's CSRF token (htmx sends it in a header, plain forms in a field).
"""

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.audit.ownership import may_change_work
from app.errors import AccessDenied, NotSignedIn, error_response, wants_html
from app.identity_cache import Holder, IdentityCache
from app.models import Role, User, utcnow
from app.services import accounts

SESSION_COOKIE = "argmap_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Anyone = None  # the rule of routes open without signing in (the sign-in page, the API docs)
Rule = Role | None


def _rules(method: str, role: Rule, *paths: str) -> dict[tuple[str, str], Rule]:
    return {(method, path): role for path in paths}


RULES: dict[tuple[str, str], Rule] = {
    **_rules("GET", Anyone, "/openapi.json", "/docs", "/login"),
    **_rules("POST", Anyone, "/login", "/logout"),
    # Reading and exporting: every role.
    **_rules(
        "GET",
        Role.viewer,
        "/",
        "/documents",
        "/documents/{document_id}",
        "/documents/{document_id}/passages",
        "/documents/{document_id}/stats",
        "/documents/{document_id}/details",
        "/documents/{document_id}/orphans",
        "/positions",
        "/positions/{position_key}",
        "/actors",
        "/actors/{actor_key}",
        "/passages/{passage_id}",
        "/claims",
        "/claims/search",
        "/claims/{claim_id}",
        "/claims/{claim_id}/summary",
        "/claims/{claim_id}/relations",
        "/graph",
        "/matrix",
        "/matrix/cell",
        "/networks",
        "/networks/tie",
        "/export",
        "/agreement",
        "/search",
        "/history",
        "/history/{item_type:item_type}/{item_id}",
        "/account",
        "/api/me",
        "/api/home",
        "/api/tokens",
        "/api/examples",
        "/api/graph",
        "/api/matrix",
        "/api/matrix/cell",
        "/api/agreement",
        "/api/search",
        "/api/export",
        "/api/export/schema",
        "/api/export/schema/v1",
        "/api/export/schema/v2",
        "/api/export/schema/v3",
        "/api/export/w3c",
        "/api/export/aif",
        "/api/export/csv",
        "/api/export/history",
        "/api/history",
        "/api/history/{item_type:item_type}/{item_id}",
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/documents/{document_id}/orphans",
        "/api/orphans",
        "/api/documents/{document_id}/passages",
        "/api/passages/{passage_id}",
        "/api/positions",
        "/api/positions/{position_key}",
        "/api/topics",
        "/api/topics/{topic_key}",
        "/api/actors",
        "/api/actors/{actor_key}",
        "/api/passages/{passage_id}/actor-suggestions",
        "/api/networks",
        "/api/networks/file",
        "/api/networks/tie",
        "/api/annotations",
        "/api/annotations/{annotation_id}",
        "/api/claims",
        "/api/claims/{claim_id}",
        "/api/relations",
        "/api/relations/{relation_id}",
    ),
    # One's own account: every role.
    **_rules("POST", Role.viewer, "/account/password", "/account/tokens", "/api/tokens"),
    **_rules(
        "POST", Role.viewer, "/account/tokens/{token_id}/revoke", "/account/tokens/revoke-all"
    ),
    **_rules("DELETE", Role.viewer, "/api/tokens", "/api/tokens/{token_id}"),
    # Tagging, claims, relations, restoring from the history: analysts.
    **_rules(
        "GET",
        Role.analyst,
        "/passages/{passage_id}/tag-form",
        "/annotations/{annotation_id}/edit",
    ),
    **_rules(
        "POST",
        Role.analyst,
        "/passages/{passage_id}/annotations",
        "/annotations/{annotation_id}/restore",
        "/claims/{claim_id}/relations",
        "/claims/{claim_id}/merge",
        "/claims/{claim_id}/split",
        "/history/{entry_id}/restore",
        "/api/history/{entry_id}/restore",
        "/api/annotations",
        "/api/annotations/{annotation_id}/restore",
        "/api/claims",
        "/api/claims/{claim_id}/evidence",
        "/api/claims/{claim_id}/merge",
        "/api/claims/{claim_id}/split",
        "/api/relations",
        "/actors",
        "/actors/{actor_key}",
        "/api/actors",
    ),
    **_rules(
        "PUT",
        Role.analyst,
        "/annotations/{annotation_id}",
        "/claims/{claim_id}",
        "/claims/{claim_id}/stances/{position_key}",
        "/api/claims/{claim_id}/stances/{position_key}",
    ),
    **_rules(
        "PATCH",
        Role.analyst,
        "/api/annotations/{annotation_id}",
        "/api/claims/{claim_id}",
        "/api/relations/{relation_id}",
        "/api/actors/{actor_key}",
    ),
    **_rules(
        "DELETE",
        Role.analyst,
        "/annotations/{annotation_id}",
        "/claims/{claim_id}",
        "/claims/{claim_id}/relations/{relation_id}",
        "/api/annotations/{annotation_id}",
        "/api/claims/{claim_id}",
        "/api/claims/{claim_id}/stances/{position_key}",
        "/api/claims/{claim_id}/evidence/{annotation_id}",
        "/api/relations/{relation_id}",
    ),
    # Adjudication: analysts by role; the service then lets only curators through (an admin,
    # or an analyst allowed to adjudicate), with a sentence for the others.
    **_rules(
        "GET",
        Role.analyst,
        "/documents/{document_id}/adjudicate",
        "/api/documents/{document_id}/adjudication",
    ),
    **_rules(
        "POST",
        Role.analyst,
        "/documents/{document_id}/adjudicate/accept",
        "/documents/{document_id}/adjudicate/merge",
        "/documents/{document_id}/adjudicate/tags",
        "/documents/{document_id}/adjudicate/tags/{annotation_id}/remove",
        "/api/documents/{document_id}/adjudication/accept",
        "/api/documents/{document_id}/adjudication/merge",
        "/api/documents/{document_id}/adjudication/tags",
    ),
    **_rules(
        "DELETE", Role.analyst, "/api/documents/{document_id}/adjudication/tags/{annotation_id}"
    ),
    # Users, positions, topics, documents, imports and the example data: admins. A document's
    # details form follows PATCH /api/documents/{document_id}, the edit it makes.
    **_rules(
        "GET",
        Role.admin,
        "/users",
        "/api/users",
        "/documents/new",
        "/documents/{document_id}/details/edit",
    ),
    **_rules(
        "POST",
        Role.admin,
        "/documents",
        "/documents/preview",
        "/api/documents/preview",
        "/users",
        "/users/{user_id}",
        "/positions",
        "/documents/{document_id}/text",
        "/documents/{document_id}/details",
        "/examples/clear",
        "/api/users",
        "/api/documents",
        "/api/positions",
        "/api/topics",
        "/api/import",
        "/api/import/aif",
        "/actors/{actor_key}/merge",
        "/api/actors/{actor_key}/merge",
    ),
    **_rules(
        "PATCH",
        Role.admin,
        "/api/users/{user_id}",
        "/api/documents/{document_id}",
        "/api/passages/{passage_id}",
        "/api/positions/{position_key}",
        "/api/topics/{topic_key}",
    ),
    **_rules("PUT", Role.admin, "/api/documents/{document_id}/text"),
    # Independent coding: everyone reads the progress; the coder marks their own work done;
    # admins give documents out, take them back, reopen them and set the team's rule.
    **_rules("GET", Role.viewer, "/assignments", "/api/assignments", "/api/coding/progress"),
    **_rules("GET", Role.viewer, "/api/team-settings"),
    **_rules(
        "POST",
        Role.analyst,
        "/assignments/{assignment_id}/done",
        "/api/assignments/{assignment_id}/done",
        "/documents/{document_id}/coding/done",
    ),
    **_rules(
        "POST",
        Role.admin,
        "/assignments",
        "/assignments/{assignment_id}/remove",
        "/assignments/{assignment_id}/reopen",
        "/team-settings",
        "/api/assignments",
        "/api/assignments/{assignment_id}/reopen",
    ),
    **_rules("PUT", Role.admin, "/api/team-settings"),
    **_rules("DELETE", Role.admin, "/api/assignments/{assignment_id}"),
    **_rules(
        "DELETE",
        Role.admin,
        "/api/examples",
        "/api/documents/{document_id}",
        "/api/positions/{position_key}",
        "/api/topics/{topic_key}",
        "/api/actors/{actor_key}",
    ),
    # The codebook: everyone reads it, admins define the codes and import codebooks.
    **_rules(
        "GET",
        Role.viewer,
        "/codebook",
        "/codebook/{family}/{key}",
        "/api/codebook",
        "/api/codebook.qdc",
        "/api/codebook.csv",
    ),
    **_rules("GET", Role.admin, "/codebook/{family}/{key}/edit"),
    **_rules("POST", Role.admin, "/codebook/{family}/{key}", "/api/codebook/import"),
    **_rules("PUT", Role.admin, "/api/codebook/{family}/{key}"),
}


@dataclass(frozen=True)
class Identity:
    """Who sent a request, and how they proved it."""

    user: User | None
    via: Literal["session", "token", "nobody"]
    csrf_token: str | None = None

    @property
    def username(self) -> str | None:
        return self.user.username if self.user else None

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user else None

    @property
    def may_edit_any(self) -> bool:
        """Whether they may change other analysts' tags, claims and relations."""
        return self.user is not None and (self.user.role == Role.admin or self.user.may_edit_others)

    def may(self, role: Role) -> bool:
        return self.user is not None and Role(self.user.role).rank >= role.rank

    def may_change_work_of(self, owner: str | None) -> bool:
        """Whether they may change or delete a tag, claim or relation `owner` made: analysts
        their own, those allowed to edit everyone's work anyone's (the rule the history's
        session events enforce, so a page offers only the edits that will be taken)."""
        return self.may(Role.analyst) and may_change_work(owner, self.username, self.may_edit_any)


NOBODY = Identity(user=None, via="nobody")


def identity_of(request: Request) -> Identity:
    """The identity `authorize` found (nobody, for routes it did not see, like static files)."""
    found = getattr(request.state, "identity", None)
    return found if isinstance(found, Identity) else NOBODY


def _credential(request: Request) -> tuple[Literal["token", "session"], str] | None:
    """The credential a request carries: an API token, else a session cookie, else none."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotSignedIn(UNKNOWN_TOKEN)
        return "token", secret.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return ("session", cookie) if cookie else None


UNKNOWN_TOKEN = "This API token is unknown, revoked, or its user is disabled."


def _look_up(engine: Engine, kind: Literal["token", "session"], secret: str) -> Holder | None:
    """Who holds the credential, read in a session of its own: the request's session would
    begin its transaction here, and a writing request's transaction takes SQLite's write
    lock when it begins; it would then hold it while the form is read and the route's
    dependencies run, and every other writer would wait that long too."""
    with Session(engine) as reader:
        if kind == "token":
            user = accounts.token_user(reader, secret)
            return None if user is None else Holder(user, None, None)
        found = accounts.session_user(reader, secret)
        if found is None:
            return None
        user, login = found
        return Holder(user, login.csrf_token, login.expires_at)


async def _identify(request: Request) -> Identity:
    credential = _credential(request)
    if credential is None:
        return NOBODY
    kind, secret = credential
    cache: IdentityCache = request.app.state.identities
    digest = accounts.digest(secret)
    stamp = cache.stamp()  # before the lookup: see app/identity_cache.py
    holder = cache.get(kind, digest, stamp, utcnow())
    if holder is None:
        # Database work runs in a worker thread: on the event loop it would stall every
        # other request.
        holder = await run_in_threadpool(_look_up, request.app.state.engine, kind, secret)
        if holder is None:
            if kind == "token":
                raise NotSignedIn(UNKNOWN_TOKEN)
            return NOBODY
        cache.put(kind, digest, stamp, holder)
    return Identity(user=holder.user, via=kind, csrf_token=holder.csrf_token)


async def _csrf_token_sent(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token is not None:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def route_rule(request: Request) -> tuple[bool, Rule]:
    route = request.scope.get("route")
    method = "GET" if request.method == "HEAD" else request.method
    key = (method, getattr(route, "path", request.url.path))
    return key in RULES, RULES.get(key)


# What a user whose password someone else chose may still do: choose their own, see who
# they are, sign out.
PASSWORD_CHANGE_PATHS = frozenset({"/account", "/account/password", "/logout", "/login", "/api/me"})
MUST_CHANGE_PASSWORD = (
    "Choose a new password first, on your account page (/account): the one you have was "
    "chosen by someone else, and until you have chosen your own nothing else is open to you."
)


async def authorize(request: Request) -> None:
    """Run before every route: identify the sender, then apply the route's rule. (The
    request's database session, made later where the route needs one, records them as the
    author of its changes: see `app.deps.get_session`.)"""
    known, rule = route_rule(request)
    if not known:
        raise AccessDenied("This address has no access rule, so it is closed.")
    identity = await _identify(request)
    request.state.identity = identity
    if rule is None:
        await _check_csrf(request, identity)
        return
    if identity.user is None:
        if rule == Role.viewer and request.app.state.settings.read_without_login:
            return
        raise NotSignedIn("Sign in first.")
    if identity.user.must_change_password:
        path = getattr(request.scope.get("route"), "path", "")
        if path not in PASSWORD_CHANGE_PATHS:
            raise AccessDenied(MUST_CHANGE_PASSWORD)
    if not identity.may(rule):
        raise AccessDenied(
            f"Your role ({identity.user.role}) may not do this; it needs the {rule} role."
        )
    await _check_csrf(request, identity)


async def _check_csrf(request: Request, identity: Identity) -> None:
    if request.method in SAFE_METHODS or identity.via != "session":
        return
    assert identity.csrf_token is not None
    if not accounts.csrf_matches(identity.csrf_token, await _csrf_token_sent(request)):
        raise AccessDenied(
            "This form is out of date or did not come from this app's pages (its CSRF token "
            "is missing or wrong). Reload the page and try again."
        )


def _login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="")


def install_access_errors(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": _login_url(request)})
        if wants_html(request) and request.method == "GET":
            return RedirectResponse(_login_url(request), status_code=303)
        return JSONResponse(
            {"detail": exc.message}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(AccessDenied)
    async def access_denied(request: Request, exc: AccessDenied) -> Response:
        identity = identity_of(request)
        if (
            identity.user is not None
            and identity.user.must_change_password
            and wants_html(request)
            and request.method == "GET"
        ):
            return RedirectResponse("/account", status_code=303)
        return error_response(request, 403, exc.message)
