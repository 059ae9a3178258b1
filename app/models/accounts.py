"""Users, their sign-in sessions and API tokens, and failed sign-ins."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StrictBool, StringConstraints, field_validator
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.fields import new_id, strip_required, utcnow, without_nul

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,39}$"
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN, max_length=40)]


class Role(StrEnum):
    """What a user may do; each role may do everything the ones before it may."""

    viewer = "viewer"  # read and export
    analyst = "analyst"  # tag, claim, relate; edit their own work (others' if allowed)
    admin = "admin"  # users, positions, topics, documents, and anyone's work

    @property
    def rank(self) -> int:
        return list(Role).index(self)


# --- users ---------------------------------------------------------------------------------


class User(SQLModel, table=True):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=String(16))
    # An analyst who may also edit and delete other analysts' work.
    may_edit_others: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # An analyst who may also adjudicate: write the adjudicated layer from the coders' tags
    # (admins always may).
    may_adjudicate: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Set for a password someone else chose (the first admin's one-time password, the one an
    # admin gives a user they add): nothing but choosing one's own is allowed until then.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None


class UserCreate(SQLModel):
    username: Username
    display_name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=10, max_length=200)
    role: Role = Role.analyst
    may_edit_others: StrictBool = False
    may_adjudicate: StrictBool = False

    _nul = field_validator("display_name", mode="before")(without_nul)
    _display_name = field_validator("display_name")(strip_required)


class UserUpdate(SQLModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    role: Role | None = None
    may_edit_others: StrictBool | None = None
    may_adjudicate: StrictBool | None = None
    disabled: StrictBool | None = None

    _nul = field_validator("display_name", mode="before")(without_nul)


class UserPublic(SQLModel):
    id: int
    username: str
    display_name: str
    role: Role
    may_edit_others: bool
    may_adjudicate: bool = False
    must_change_password: bool
    created_at: datetime
    disabled_at: datetime | None


# --- signing in ----------------------------------------------------------------------------


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    signing out (or disabling the user) ends the session at once."""

    __tablename__ = "login_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    """A personal token for API clients (`Authorization: Bearer …`); kept as its SHA-256."""

    __tablename__ = "api_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters, so the owner can tell tokens apart on their page.
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class ApiTokenCreate(SQLModel):
    name: str = Field(min_length=1, max_length=80)

    _nul = field_validator("name", mode="before")(without_nul)
    _name = field_validator("name")(strip_required)


class ApiTokenPublic(SQLModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per account and per address to slow down password guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
