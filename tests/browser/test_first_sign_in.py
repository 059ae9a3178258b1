"""A user an admin adds, in a real browser: their first sign-in leads to choosing their own
password, and nothing else opens until they have."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_user_an_admin_adds_chooses_their_own_password_at_first_sign_in(page: Page) -> None:
    # The admin adds Olena on the Users page with a password they tell her.
    page.goto("/users")
    add = page.locator("form[action='/users']")
    add.get_by_label("Username").fill("olena")
    add.get_by_label("Display name").fill("Olena Ševčenko")
    add.get_by_label("Password").fill("the admin chose this")
    add.get_by_role("button", name="Add user").click()
    expect(page.locator("table.users")).to_contain_text("has not yet chosen their own password")

    # Olena signs in: she is taken to her account, and the documents are not open yet.
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Username").fill("olena")
    page.get_by_label("Password").fill("the admin chose this")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator(".notice[role=alert]")).to_contain_text("Choose your own")
    page.goto("/documents")
    expect(page).to_have_url(re.compile(r"/account$"))

    # She chooses her own; then the map is hers to read.
    page.get_by_label("Current password").fill("the admin chose this")
    page.get_by_label("New password (10 characters or more)").fill("olena's own password")
    page.get_by_label("New password again").fill("olena's own password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".password-changed")).to_contain_text("Your password is changed")
    expect(page.locator(".notice[role=alert]")).to_have_count(0)
    page.goto("/documents")
    expect(page).to_have_url(re.compile(r"/documents$"))
