"""The chat demo (``/demo``) in a real browser: Debian's chromium driven by Playwright,
two browser contexts (two people) chatting through a real in-process server, and the
demo-mode UserSig endpoint's refusals."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from protocol import usersig
from server.config import load_config

from . import test_console
from .conftest import ROOT, SDKAPPID, SECRET, Running, in_process_servers, wait

STATIC = ROOT / "server" / "demo" / "static"
browser = test_console.browser  # the fixture: Debian's chromium, one per module, as the console tests drive it
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.asyncio(loop_scope="module")
expect.set_options(timeout=wait(5) * 1000)


@pytest_asyncio.fixture(loop_scope="module")
async def serve(make_config: Any) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    async with in_process_servers(make_config) as start:
        yield start


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[Page]]]:
    """``await open_page(server, path, viewport=...)``: a page in a fresh browser context
    (its own storage: another person). A script error or a Content-Security-Policy
    violation in any of them fails the test."""
    contexts = []
    errors: list[str] = []

    async def open_one(running: Running, path: str, viewport: dict[str, int] | None = None) -> Page:
        context = await browser.new_context(
            base_url=running.http_url, viewport=viewport or {"width": 1280, "height": 800}, locale="en-US"
        )
        context.set_default_timeout(wait(5) * 1000)
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        await page.goto(path)
        return page

    yield open_one
    for context in contexts:
        await context.close()
    assert not errors, errors


async def log_in(page: Page) -> None:
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Your groups")).to_be_visible()


def messages(page: Page) -> Any:
    return page.locator("#messages li")


async def test_two_people_chat_in_real_time(open_page: Any, serve: Any) -> None:
    """Alice creates a group from the prefilled Group ID, Bob (on a phone-sized screen)
    joins it; Alice sees the join tip, both see each other's messages as they are sent,
    and each sees the notices and the group in their list."""
    server = await serve("sqlite", demo=True)
    alice = await open_page(server, "/demo?user=alice&group=book-club")
    await expect(alice.get_by_text("Demo mode: this server signs in any user")).to_be_visible()
    await expect(alice.get_by_label("User ID")).to_have_value("alice")
    await expect(alice.get_by_label("UserSig")).to_be_hidden()
    await log_in(alice)
    await expect(alice.locator("#status")).to_have_text("Signed in as alice")
    await expect(alice.get_by_label("Group ID")).to_have_value("book-club")
    await alice.get_by_role("button", name="Create").click()
    await expect(alice.get_by_role("heading", name="book-club")).to_be_visible()
    await expect(alice.locator("#group-list")).to_contain_text("book-club")
    await expect(alice.locator("#notice-list")).to_contain_text("You created book-club (book-club)")

    bob = await open_page(server, "/demo?user=bob&group=book-club", viewport=PHONE)
    await log_in(bob)
    await bob.get_by_role("button", name="Join").click()
    await expect(bob.get_by_role("heading", name="book-club")).to_be_visible()
    await expect(bob.locator("#group-list")).to_contain_text("book-club")
    await expect(messages(bob).first).to_have_text(re.compile(r"^bob joined"))  # his history starts at his join
    await expect(messages(alice).last).to_have_text(re.compile(r"^bob joined"))

    await alice.get_by_label("Message").fill("Hello Bob")
    await alice.get_by_role("button", name="Send").click()
    await expect(messages(bob).last).to_have_text(re.compile(r"^aliceHello Bob"))
    await expect(messages(alice).last).to_have_text(re.compile(r"^YouHello Bob"))
    await bob.get_by_label("Message").fill("Hi Alice!")
    await bob.get_by_label("Message").press("Enter")
    await expect(messages(alice).last).to_have_text(re.compile(r"^bobHi Alice!"))
    await expect(alice.get_by_label("Message")).to_have_value("")
    assert await messages(alice).count() == 3  # the tip and two messages: nothing twice

    # the phone layout: one column, the conversation first, nothing wider than the screen
    width = await bob.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    # a join that must wait for approval says so
    await alice.get_by_label("Group ID").fill("")
    await alice.get_by_label("Type of a new group").select_option("Community")
    await alice.get_by_role("button", name="Create").click()
    await expect(alice.locator("#conversation-id")).to_have_text(re.compile(r"Group ID: @TGS#_"))
    await bob.get_by_label("Group ID").fill("no-such-group")
    await bob.get_by_role("button", name="Join").click()
    await expect(bob.locator("#group-error")).to_contain_text("(10010)")


async def test_without_demo_mode_the_page_asks_for_a_usersig(open_page: Any, serve: Any) -> None:
    """Demo mode off (the default): no UserSig from the server; the page asks for one and
    logs in with it; a wrong one is refused in words."""
    server = await serve("sqlite")
    page = await open_page(server, "/demo?user=carol")
    await expect(page.get_by_text("Demo mode: this server signs in any user")).to_be_hidden()
    await page.get_by_label("UserSig").fill("not-a-usersig")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#login-error")).to_contain_text("(70003)")
    await page.get_by_label("UserSig").fill(server.sig("carol"))
    await log_in(page)
    await expect(page.locator("#status")).to_have_text("Signed in as carol")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        answer = await http.post("/demo/api/usersig", json={"userID": "carol"})
        assert answer.status_code == 404
        assert "groupcast usersig" in answer.json()["error"]
        assert (await http.get("/demo/api/config")).json() == {"demo": False, "SDKAppID": SDKAPPID}


async def test_demo_usersig_endpoint(serve: Any) -> None:
    """In demo mode the endpoint signs a UserSig the server accepts, for the user asked
    only; it refuses the app admin, bad user IDs and non-JSON bodies, each with a reason;
    every answer carries the page's security headers."""
    server = await serve("sqlite", demo=True)
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        answer = await http.post("/demo/api/usersig", json={"userID": "dave"})
        assert answer.status_code == 200
        body = answer.json()
        assert body["userID"] == "dave" and body["SDKAppID"] == SDKAPPID
        assert usersig.verify(SECRET, SDKAPPID, "dave", body["userSig"]).identifier == "dave"
        assert "connect-src 'self'" in answer.headers["content-security-policy"]

        admin = await http.post("/demo/api/usersig", json={"userID": "administrator"})
        assert admin.status_code == 403
        for bad in ({"userID": "has space"}, {"userID": "x" * 33}, {"userID": 7}, {}):
            refused = await http.post("/demo/api/usersig", json=bad)
            assert refused.status_code == 400, bad
            assert "userID" in refused.json()["error"]
        form = await http.post("/demo/api/usersig", data={"userID": "dave"})
        assert form.status_code == 415
        assert (await http.get("/demo/api/usersig")).status_code == 405

        page = await http.get("/demo")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        script = await http.get("/demo/static/groupcast-chat.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert script.headers["x-content-type-options"] == "nosniff"
        assert (await http.get("/demo/static/nope.js")).status_code == 404


async def test_demo_mode_is_off_unless_asked() -> None:
    """GROUPCAST_DEMO=1 (or `serve --demo`) turns it on; nothing else does."""
    assert load_config(environ={}).demo is False
    assert load_config(environ={"GROUPCAST_DEMO": "1"}).demo is True
    assert load_config(environ={"GROUPCAST_DEMO": "0"}).demo is False
    assert load_config(environ={}, demo=True).demo is True


async def test_shipped_sdk_is_the_built_one() -> None:
    """The SDK the demo ships is sdk/js's build, of sdk/js's version (`make` copies
    sdk/js/dist/groupcast-chat.js there after building it)."""
    shipped = (STATIC / "groupcast-chat.js").read_text()
    package = json.loads((ROOT / "sdk" / "js" / "package.json").read_text())
    assert shipped.startswith(f"// groupcast-chat {package['version']}:")
    built = ROOT / "sdk" / "js" / "dist" / "groupcast-chat.js"
    if built.exists():  # `make test` builds it first
        assert built.read_text() == shipped, "server/demo/static/groupcast-chat.js is stale: run make"
