"""Application settings, read from the environment (or a `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and a server."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'argmap.db'}"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    static_dir: Path = PROJECT_ROOT / "static"
    # Let visitors who are not signed in read and export (the local demo of `make run`).
    # Changes always need an account.
    read_without_login: bool = False
    # Send the session cookie over HTTPS only (set it when the app is served over HTTPS).
    secure_cookies: bool = False
    # Let "add a document from a URL" fetch from this machine and private networks (off: an
    # admin could otherwise make the server read internal services and show the answer).
    fetch_private_addresses: bool = False
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed:
    # comma-separated addresses or networks (e.g. "127.0.0.1" for a proxy on this machine).
    # Empty (the default): none, so a client's address is always the connection's own and a
    # forged header cannot dodge the per-address sign-in brake.
    trusted_proxies: str = ""
    # How long the access check may remember who holds a session cookie or API token without
    # asking the database (app/identity_cache.py: a change to users, sessions or tokens
    # clears it at once in every process on this machine). 0: ask the database every time,
    # which is needed when processes on several machines serve one PostgreSQL database.
    identity_cache_seconds: float = Field(default=60, ge=0, le=3600)
    # SQLite only. "full": every change is on disk before it is answered (one flush to disk
    # per commit, about 2.7 ms on the benchmark machine's disk, which caps tagging there at a
    # few hundred tags a second). "normal": the database still never corrupts, and survives the
    # app crashing, but a power cut or a crash of the machine may lose the last changes.
    sqlite_synchronous: Literal["full", "normal"] = "full"


@lru_cache
def get_settings() -> Settings:
    return Settings()
