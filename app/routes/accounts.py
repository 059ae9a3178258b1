"""Signing in and out, one's own account (password, API tokens), and the admins' user list;
each with its JSON twin under /api."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from app.access import SESSION_COOKIE, identity_of
from app.deps import CurrentUserDep, SessionDep
from app.models import (
    MAX_ROW_NUMBER,
    ApiTokenCreate,
    ApiTokenPublic,
    Role,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from app.services import accounts
from app.services.errors import DomainError
from app.templating import render

router = APIRouter()

UserId = Annotated[int, Path(ge=1, le=MAX_ROW_NUMBER, description="The user's number.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such user or token."}}


def safe_next(path: str | None) -> str:
    """Only redirect within this site (an absolute or protocol-relative URL is refused)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/documents"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- signing in and out --------------------------------------------------------------------


def _login_page(
    request: Request, next_path: str, message: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"next": safe_next(next_path), "message": message, "username": ""}
    return render(request, "login.html", context, status_code=status)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/documents") -> Response:
    if identity_of(request).user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/documents",
) -> Response:
    try:
        user = accounts.authenticate(session, username, password, client_address(request))
    except accounts.TooManyAttempts as refused:
        response = _login_page(request, next_path, refused.message, status=429)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except accounts.SignInRefused as refused:
        return _login_page(request, next_path, refused.message, status=401)
    new = accounts.start_session(session, user)
    target = "/account" if user.must_change_password else safe_next(next_path)
    redirect = RedirectResponse(target, status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )
    return redirect


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


# --- one's own account ---------------------------------------------------------------------


def _account_page(
    request: Request, session: SessionDep, user: User, status: int = 200, **extra: Any
) -> HTMLResponse:
    tokens = accounts.list_tokens(session, user)
    context = {
        "user": user,
        "tokens": tokens,
        "live_tokens": sum(1 for t in tokens if t.revoked_at is None),
        **extra,
    }
    return render(request, "account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
def account_page(request: Request, session: SessionDep, user: CurrentUserDep) -> HTMLResponse:
    return _account_page(request, session, user)


@router.post("/account/password", response_class=HTMLResponse, include_in_schema=False)
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    confirm: Annotated[str, Form(max_length=200)],
) -> HTMLResponse:
    # The stored row, to change: the signed-in user's is shared with other requests.
    assert user.id is not None
    user = accounts.get_user(session, user.id)
    if new != confirm:
        return _account_page(
            request, session, user, 422, password_error="The two new passwords differ."
        )
    try:
        ended = accounts.change_password(
            session, user, current, new, keep_session=request.cookies.get(SESSION_COOKIE)
        )
    except DomainError as refused:
        return _account_page(request, session, user, 422, password_error=refused.message)
    return _account_page(request, session, user, password_changed=True, sessions_ended=ended)


@router.post("/account/tokens", response_class=HTMLResponse, include_in_schema=False)
def create_token_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    name: Annotated[str, Form(min_length=1, max_length=80)],
) -> HTMLResponse:
    token, secret = accounts.create_token(session, user, ApiTokenCreate(name=name))
    return _account_page(request, session, user, 201, new_token=token, new_secret=secret)


@router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token_page(session: SessionDep, user: CurrentUserDep, token_id: str) -> Response:
    accounts.revoke_token(session, user, token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/tokens/revoke-all", response_class=HTMLResponse, include_in_schema=False)
def revoke_all_tokens_page(
    request: Request, session: SessionDep, user: CurrentUserDep
) -> HTMLResponse:
    revoked = accounts.revoke_all_tokens(session, user)
    return _account_page(request, session, user, tokens_revoked=revoked)


@router.get("/api/me", tags=["accounts"])
async def whoami(user: CurrentUserDep) -> UserPublic:
    """The user these credentials belong to."""
    return UserPublic.model_validate(user, from_attributes=True)


@router.get("/api/tokens", tags=["accounts"])
def list_tokens(session: SessionDep, user: CurrentUserDep) -> list[ApiTokenPublic]:
    """Your personal API tokens (their secrets are never shown again)."""
    return [
        ApiTokenPublic.model_validate(t, from_attributes=True)
        for t in accounts.list_tokens(session, user)
    ]


class NewApiToken(ApiTokenPublic):
    token: str


@router.post("/api/tokens", status_code=201, tags=["accounts"])
def create_token(session: SessionDep, user: CurrentUserDep, data: ApiTokenCreate) -> NewApiToken:
    """A new personal token. `token` is shown this once: send it as `Authorization: Bearer …`."""
    token, secret = accounts.create_token(session, user, data)
    public = ApiTokenPublic.model_validate(token, from_attributes=True)
    return NewApiToken(**public.model_dump(), token=secret)


class RevokedTokens(BaseModel):
    revoked: int


@router.delete("/api/tokens", tags=["accounts"])
def revoke_all_tokens(session: SessionDep, user: CurrentUserDep) -> RevokedTokens:
    """Revoke all your tokens at once (the one sending this too); says how many were live.
    Requests with any of them are refused from now on."""
    return RevokedTokens(revoked=accounts.revoke_all_tokens(session, user))


@router.delete("/api/tokens/{token_id}", status_code=204, tags=["accounts"], responses=NOT_FOUND)
def revoke_token(session: SessionDep, user: CurrentUserDep, token_id: str) -> Response:
    """Revoke one of your tokens; requests with it are refused from now on."""
    accounts.revoke_token(session, user, token_id)
    return Response(status_code=204)


# --- users (admins) ------------------------------------------------------------------------


def _users_page(
    request: Request, session: SessionDep, status: int = 200, **extra: Any
) -> HTMLResponse:
    context = {"users": accounts.list_users(session), "roles": list(Role), **extra}
    return render(request, "users.html", context, status_code=status)


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _users_page(request, session)


@router.post("/users", response_class=HTMLResponse, include_in_schema=False)
def create_user_page(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=40)],
    display_name: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()] = Role.analyst,
    may_edit_others: Annotated[bool, Form()] = False,
    may_adjudicate: Annotated[bool, Form()] = False,
) -> Response:
    try:
        data = UserCreate(
            username=username.strip().lower(),
            display_name=display_name,
            password=password,
            role=role,
            may_edit_others=may_edit_others,
            may_adjudicate=may_adjudicate,
        )
        accounts.create_user(session, data, must_change_password=True)
    except (DomainError, ValueError) as refused:
        message = getattr(refused, "message", None) or _first_error(refused)
        return _users_page(request, session, 422, create_error=message)
    return RedirectResponse("/users", status_code=303)


def _first_error(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}"
    return str(error)


@router.post("/users/{user_id}", include_in_schema=False)
def update_user_page(
    request: Request,
    session: SessionDep,
    user: CurrentUserDep,
    user_id: UserId,
    role: Annotated[Role, Form()],
    may_edit_others: Annotated[bool, Form()] = False,
    may_adjudicate: Annotated[bool, Form()] = False,
    disabled: Annotated[bool, Form()] = False,
) -> Response:
    data = UserUpdate(
        role=role,
        may_edit_others=may_edit_others,
        may_adjudicate=may_adjudicate,
        disabled=disabled,
    )
    try:
        accounts.update_user(session, user_id, data, by=user)
    except DomainError as refused:
        return _users_page(request, session, 422, update_error=refused.message)
    return RedirectResponse("/users", status_code=303)


@router.get("/api/users", tags=["accounts"])
def list_users(session: SessionDep) -> list[UserPublic]:
    return [
        UserPublic.model_validate(u, from_attributes=True) for u in accounts.list_users(session)
    ]


@router.post("/api/users", status_code=201, tags=["accounts"])
def create_user(session: SessionDep, data: UserCreate) -> UserPublic:
    """Create a user (admins only). They sign in with this password and must then choose
    their own on their account page: until they have, every other request of theirs is
    refused (403)."""
    user = accounts.create_user(session, data, must_change_password=True)
    return UserPublic.model_validate(user, from_attributes=True)


@router.patch("/api/users/{user_id}", tags=["accounts"], responses=NOT_FOUND)
def update_user(
    session: SessionDep, user: CurrentUserDep, user_id: UserId, data: UserUpdate
) -> UserPublic:
    """Change a user's display name or role, allow them to edit others' work, or disable them
    (which ends their sessions and revokes their tokens for good: enabling them again does not
    bring those back)."""
    updated = accounts.update_user(session, user_id, data, by=user)
    return UserPublic.model_validate(updated, from_attributes=True)
