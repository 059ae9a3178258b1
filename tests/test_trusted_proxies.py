"""Which X-Forwarded-For the served app believes: none unless TRUSTED_PROXIES names the proxy.

A real `app.cli serve` is started, since the forwarded headers are read by the server, not by
the app. A client that rotates a forged X-Forwarded-For must still meet the per-address brake
on failed sign-ins.
"""

from pathlib import Path

import httpx2 as httpx

from app.services.accounts import FAILURES_PER_ADDRESS
from tests.servers import served


def _failed_sign_ins_with_rotated_addresses(base_url: str, count: int) -> list[int]:
    """`count` wrong passwords, each for another user and with another forwarded address."""
    statuses = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for attempt in range(count):
            response = client.post(
                "/login",
                data={"username": f"nobody{attempt}", "password": "wrong password"},
                headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def test_a_forged_forwarded_address_does_not_dodge_the_sign_in_brake(
    db_url: str, tmp_path: Path
) -> None:
    with served(db_url, tmp_path / "server.log") as base_url:
        statuses = _failed_sign_ins_with_rotated_addresses(base_url, FAILURES_PER_ADDRESS + 1)
    assert statuses[:FAILURES_PER_ADDRESS] == [401] * FAILURES_PER_ADDRESS
    assert statuses[-1] == 429


def test_a_named_proxy_is_believed(db_url: str, tmp_path: Path) -> None:
    with served(db_url, tmp_path / "server.log", TRUSTED_PROXIES="127.0.0.1") as base_url:
        statuses = _failed_sign_ins_with_rotated_addresses(base_url, FAILURES_PER_ADDRESS + 1)
    # Each attempt came from another client behind the proxy, so none reached the brake.
    assert statuses == [401] * (FAILURES_PER_ADDRESS + 1)
