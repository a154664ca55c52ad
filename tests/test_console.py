"""The admin console (``/console``) in a real browser: Debian's chromium, driven by
Playwright, against real in-process servers on both stores, with WebSocket devices
watching the effects (the admin's message arrives; the "dismissed" notice arrives).

Screenshots: every run takes the list and details pages' screenshots into a temporary
directory; ``GROUPCAST_SCREENSHOTS=1`` also writes them to ``docs/console-list.png`` and
``docs/console-details.png``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from protocol.chat import GroupMessage, TextElem
from protocol.client import Client
from protocol.groups import (
    CreateGroup,
    GroupTip,
    NewMember,
    NoticeType,
    TipType,
    UpdateGroupProfile,
)
from server import accounts
from server.console.auth import COOKIE, LOGIN_ATTEMPTS, SESSION_SECONDS
from server.groups import manage
from server.rest.base import admin_ctx
from server.store import Account

from .conftest import ROOT, Running, in_process_servers, notice, wait

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download does not work here: Debian's chromium it is.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "console-test-password"
ADMIN = "administrator"
TYPES = ("Work", "Public", "Meeting", "AVChatRoom", "Community")
DISMISS_WARNING = "All group data will be deleted and cannot be restored"

# One browser for the module: every test runs in the module's event loop (the browser's).
pytestmark = pytest.mark.asyncio(loop_scope="module")
expect.set_options(timeout=wait(5) * 1000)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run the tests with `make test`, which installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def serve(make_config: Any) -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    """conftest's ``serve`` in the module's loop, with a console password set."""
    async with in_process_servers(make_config, console_password=PASSWORD) as start:
        yield start


@pytest_asyncio.fixture(loop_scope="module")
async def server(serve: Callable[..., Awaitable[Running]], backend: str) -> Running:
    return await serve(backend)


@pytest_asyncio.fixture(loop_scope="module")
async def sqlite_server(serve: Callable[..., Awaitable[Running]]) -> Running:
    return await serve("sqlite")


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(browser: Browser) -> AsyncIterator[Callable[[Running], Awaitable[Page]]]:
    """``await open_page(server)``: a page in a fresh browser context (no cookies). An
    uncaught script error or a Content-Security-Policy violation in any of them fails the test."""
    contexts = []
    errors: list[str] = []

    async def open_one(running: Running) -> Page:
        context = await browser.new_context(
            base_url=running.http_url, viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        )
        context.set_default_timeout(wait(5) * 1000)
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield open_one
    for context in contexts:
        await context.close()
    assert not errors, errors


# -- helpers ----------------------------------------------------------------------------------


async def sign_in(page: Page, password: str = PASSWORD) -> None:
    await page.goto("/console")
    await page.get_by_label("Admin identifier").fill(ADMIN)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    if password == PASSWORD:
        await expect(page.get_by_role("heading", name="Group management")).to_be_visible()


async def register(server: Running, *users: str, **nicks: str) -> None:
    await accounts.import_accounts(server.node, [Account(user_id=u, nick=nicks.get(u)) for u in users])


async def make_group(
    server: Running, name: str, type: str = "Public", owner: str = "", members: tuple[str, ...] = ()
) -> str:
    request = CreateGroup(name=name, type=type, member_list=[NewMember(user_id=m) for m in members])  # type: ignore[arg-type]
    created = await manage.create_group(admin_ctx(server.node), request, owner_id=owner)
    return created.group_id


async def message(client: Client, group_id: str) -> GroupMessage:
    while True:
        push = await client.next_push(GroupMessage, timeout=wait(5))
        if push.group_id == group_id:
            return push


def rows(page: Page) -> Any:
    return page.locator("#group-table tbody tr")


def row(page: Page, group_id: str) -> Any:
    return page.locator(f'#group-table tbody tr[data-id="{group_id}"]')


async def shown_ids(page: Page) -> list[str]:
    return await page.locator("#group-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")


def member_row(page: Page, user: str) -> Any:
    return page.locator(f'#member-table tbody tr[data-user="{user}"]')


async def api_login(http: httpx.AsyncClient) -> str:
    """Sign ``http`` in to the console API; its CSRF token."""
    answer = await http.post("/console/api/login", json={"user": ADMIN, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf"])


# -- sign in, session, CSRF -------------------------------------------------------------------


async def test_sign_in_cookie_and_sign_out(open_page: Any, sqlite_server: Running) -> None:
    """A wrong password is refused in words next to the password; the session cookie is
    HttpOnly, SameSite=Strict, scoped to /console and expiring; a reload keeps the
    session; signing out ends it (the old cookie is refused afterwards)."""
    page = await open_page(sqlite_server)
    await sign_in(page, "not-the-password")
    await expect(page.locator("#login-error")).to_have_text("Wrong admin identifier or password.")
    await expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await page.context.cookies() == []

    await sign_in(page)
    [cookie] = await page.context.cookies()
    assert cookie["name"] == COOKIE
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"
    assert time.time() + SESSION_SECONDS - 120 < cookie["expires"] <= time.time() + SESSION_SECONDS + 5
    assert await page.evaluate("document.cookie") == ""  # not readable by scripts

    await page.reload()
    await expect(page.get_by_role("heading", name="Group management")).to_be_visible()
    await expect(page.locator("#whoami")).to_have_text(ADMIN)

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.locator("#login-status")).to_have_text("You are signed out.")
    assert await page.context.cookies() == []
    async with httpx.AsyncClient(base_url=sqlite_server.http_url, cookies={COOKIE: cookie["value"]}) as http:
        assert (await http.get("/console/api/groups")).status_code == 401
    await page.reload()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_signed_out_cookie_is_refused_by_every_node(
    serve: Callable[..., Awaitable[Running]], backend: str
) -> None:
    """A console session signed out on one node is refused by another node of the same
    store (Redis: a second gateway; SQLite: a second server on the data dir, as after a
    restart); a session still signed in works on both."""
    first = await serve(backend)
    shared = {"redis_prefix": first.config.redis_prefix} if backend == "redis" else {"data_dir": first.config.data_dir}
    second = await serve(backend, **shared)
    async with (
        httpx.AsyncClient(base_url=first.http_url) as leaving,
        httpx.AsyncClient(base_url=first.http_url) as staying,
    ):
        csrf = await api_login(leaving)
        await api_login(staying)
        cookies = {"leaving": leaving.cookies[COOKIE], "staying": staying.cookies[COOKIE]}
        for cookie in cookies.values():
            async with httpx.AsyncClient(base_url=second.http_url, cookies={COOKIE: cookie}) as elsewhere:
                assert (await elsewhere.get("/console/api/session")).status_code == 200
        assert (await leaving.post("/console/api/logout", json={}, headers={"X-CSRF-Token": csrf})).status_code == 200
    for node in (first, second):
        async with httpx.AsyncClient(base_url=node.http_url, cookies={COOKIE: cookies["leaving"]}) as stale:
            answer = await stale.get("/console/api/groups")
            assert answer.status_code == 401 and "signed out" in answer.json()["error"]["message"]
        async with httpx.AsyncClient(base_url=node.http_url, cookies={COOKIE: cookies["staying"]}) as still:
            assert (await still.get("/console/api/groups")).status_code == 200


async def test_api_csrf_limits_and_server_side_checks(sqlite_server: Running) -> None:
    """Every state-changing call needs the session's CSRF token (and a same-host Origin);
    the server refuses what the page refuses (31-byte name, unknown owner, 301-character
    message) naming the field; failed sign-ins are limited per client; the static files
    are served with revalidation."""
    server = sqlite_server
    async with httpx.AsyncClient(base_url=server.http_url) as anonymous:
        assert (await anonymous.get("/console/api/groups")).status_code == 401
        refused = await anonymous.post("/console/api/groups/create", json={"name": "x", "type": "Public"})
        assert refused.status_code == 401

    async with httpx.AsyncClient(base_url=server.http_url) as http:
        csrf = await api_login(http)
        session_cookie = http.cookies[COOKIE]
        create = "/console/api/groups/create"
        body = {"name": "CSRF test", "type": "Public"}
        answer = await http.post(create, json=body)
        assert answer.status_code == 403 and "CSRF" in answer.json()["error"]["message"]
        assert (await http.post(create, json=body, headers={"X-CSRF-Token": "0" * 64})).status_code == 403
        foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
        assert (await http.post(create, json=body, headers=foreign)).status_code == 403
        assert (await server.node.store.list_groups(group_type=None, after=0, limit=10))[1] == 0
        token = {"X-CSRF-Token": csrf}
        answer = await http.post(create, json=body, headers=token)
        assert answer.status_code == 200, answer.text
        group_id = answer.json()["group"]["id"]
        assert (await http.post(create, content=b"name=x", headers=token)).status_code == 415

        # the server's own checks, each naming its field
        answer = await http.post(create, json={"name": "é" * 15 + "x", "type": "Public"}, headers=token)
        assert answer.status_code == 400
        assert answer.json()["error"] == {
            "code": 10004,
            "message": "The name is 31 bytes long; at most 30 bytes (UTF-8) are allowed.",
            "field": "name",
        }
        answer = await http.post(create, json={"name": "界" * 10, "type": "Meeting"}, headers=token)
        assert answer.status_code == 200 and answer.json()["group"]["name"] == "界" * 10
        answer = await http.post(create, json={"name": "x", "type": "Public", "owner": "nobody"}, headers=token)
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == 10019 and answer.json()["error"]["field"] == "owner"
        answer = await http.post(create, json={"name": "x", "type": "Private"}, headers=token)
        assert answer.json()["error"]["field"] == "type"
        send = "/console/api/messages/send"
        answer = await http.post(send, json={"groups": [group_id], "text": "a" * 301}, headers=token)
        assert answer.status_code == 400
        assert answer.json()["error"]["field"] == "text" and "301 characters" in answer.json()["error"]["message"]
        answer = await http.post(send, json={"groups": [group_id, "@TGS#gone"], "text": "👋" * 300}, headers=token)
        assert answer.status_code == 200
        first, second = answer.json()["results"]
        assert first["ok"] is True and first["seq"] >= 1
        assert second["ok"] is False and second["error"]["code"] == 10010
        update = "/console/api/group/update"
        answer = await http.post(update, json={"id": group_id, "introduction": "i" * 241}, headers=token)
        assert answer.json()["error"]["field"] == "introduction"

        # sign out ends the session for this cookie
        assert (await http.post("/console/api/logout", json={}, headers=token)).status_code == 200
        assert COOKIE not in http.cookies
    async with httpx.AsyncClient(base_url=server.http_url, cookies={COOKIE: session_cookie}) as stale:
        assert (await stale.get("/console/api/session")).status_code == 401

    # failed sign-ins: a few per minute per client, then refused even with the right password
    async with httpx.AsyncClient(base_url=server.http_url) as guesser:
        for _ in range(LOGIN_ATTEMPTS):
            answer = await guesser.post("/console/api/login", json={"user": ADMIN, "password": "guess"})
            assert answer.status_code == 401 and answer.json()["error"]["field"] == "password"
        answer = await guesser.post("/console/api/login", json={"user": ADMIN, "password": PASSWORD})
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
        assert "Too many failed sign-ins" in answer.json()["error"]["message"]

        # the page and its files
        index = await guesser.get("/console")
        assert index.status_code == 200 and "script-src 'self'" in index.headers["Content-Security-Policy"]
        script = await guesser.get("/console/static/app.js")
        assert script.headers["content-type"].startswith("text/javascript")
        again = await guesser.get("/console/static/app.js", headers={"If-None-Match": script.headers["ETag"]})
        assert again.status_code == 304
        assert (await guesser.get("/console/static/nothing.js")).status_code == 404


async def test_generated_password(serve: Callable[..., Awaitable[Running]]) -> None:
    """With no password configured, the first start generates one into
    <data-dir>/console.password (mode 0600) and keeps it across restarts. (That
    ``groupcast serve`` says where: tests/test_cli.py.)"""
    server = await serve("sqlite", console_password="")
    path = Path(server.config.data_dir) / "console.password"
    assert path.stat().st_mode & 0o777 == 0o600
    password = path.read_text().strip()
    assert len(password) >= 20
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        answer = await http.post("/console/api/login", json={"user": ADMIN, "password": password})
        assert answer.status_code == 200
    again = await serve("sqlite", console_password="", data_dir=server.config.data_dir, port=0)
    assert path.read_text().strip() == password
    async with httpx.AsyncClient(base_url=again.http_url) as http:
        answer = await http.post("/console/api/login", json={"user": ADMIN, "password": password})
        assert answer.status_code == 200


async def test_static_files_ship_in_the_package() -> None:
    """The page's files are package data, listed in pyproject.toml for the wheel."""
    from importlib import resources

    static = resources.files("server.console") / "static"
    assert {"index.html", "app.js", "api.js", "app.css"} <= {p.name for p in static.iterdir()}
    assert '"server.console" = ["static/*"]' in (ROOT / "pyproject.toml").read_text()


# -- the group list ---------------------------------------------------------------------------


async def test_list_pages_searches_and_filters(open_page: Any, server: Running) -> None:
    """250 groups: 20 a page with next/previous, other page sizes, the total; search by
    exact ID and by part of the name (any case); filter by type; reset."""
    ids: list[str] = []
    for start in range(0, 250, 50):  # creation order is the list's order
        ids += await asyncio.gather(
            *(make_group(server, f"Team {i:03d}", TYPES[i % 5]) for i in range(start, start + 50))
        )
    by_name = {f"Team {i:03d}": gid for i, gid in enumerate(ids)}
    ordered = [g.group_id for _, g in (await server.node.store.list_groups(group_type=None, after=0, limit=300))[0]]
    assert sorted(ordered) == sorted(ids)  # gathered creations: the order within 50 is the store's

    page = await open_page(server)
    await sign_in(page)
    summary = page.locator("#list-summary")
    await expect(summary).to_have_text("Page 1 · groups 1–20 of 250")
    assert await shown_ids(page) == ordered[:20]
    first = next(name for name, gid in by_name.items() if gid == ordered[0])
    await expect(row(page, ordered[0]).locator("td").nth(4)).to_have_text(TYPES[int(first[-3:]) % 5])
    await expect(page.get_by_role("button", name="Previous")).to_be_disabled()

    await page.get_by_role("button", name="Next").click()
    await expect(summary).to_have_text("Page 2 · groups 21–40 of 250")
    assert await shown_ids(page) == ordered[20:40]
    await page.get_by_role("button", name="Next").click()
    await expect(summary).to_have_text("Page 3 · groups 41–60 of 250")
    await page.get_by_role("button", name="Previous").click()
    await expect(summary).to_have_text("Page 2 · groups 21–40 of 250")
    assert await shown_ids(page) == ordered[20:40]

    await page.get_by_label("Per page").select_option("100")
    await expect(summary).to_have_text("Page 1 · groups 1–100 of 250")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Next").click()
    await expect(summary).to_have_text("Page 3 · groups 201–250 of 250")
    assert await shown_ids(page) == ordered[200:]
    await expect(page.get_by_role("button", name="Next")).to_be_disabled()

    search = page.get_by_label("Group ID or name")
    target = by_name["Team 137"]
    await search.fill(target)
    await search.press("Enter")
    await expect(summary).to_have_text("Page 1 · groups 1–1 of 1")
    assert await shown_ids(page) == [target]
    await expect(row(page, target)).to_contain_text("Team 137")

    await search.fill("team 12")  # Team 120-129, whatever the case
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(summary).to_have_text("Page 1 · groups 1–10 of 10")
    assert set(await shown_ids(page)) == {by_name[f"Team {i}"] for i in range(120, 130)}

    await page.get_by_role("search").get_by_label("Type").select_option("Meeting")  # with the search: Team 122 and 127
    await expect(summary).to_have_text("Page 1 · groups 1–2 of 2")
    assert set(await shown_ids(page)) == {by_name["Team 122"], by_name["Team 127"]}
    await search.fill("")
    await search.press("Enter")
    await expect(summary).to_have_text("Page 1 · groups 1–50 of 50")  # 100 a page: all 50 Meeting groups
    for cell in await page.locator("#group-table tbody tr td:nth-child(5)").all_inner_texts():
        assert cell == "Meeting"

    await page.get_by_role("button", name="Reset").click()
    await expect(summary).to_have_text("Page 1 · groups 1–100 of 250")
    await page.get_by_label("Group ID or name").fill("no such group")
    await page.get_by_label("Group ID or name").press("Enter")
    await expect(rows(page)).to_have_text(["No groups match."])


# -- add group --------------------------------------------------------------------------------


async def test_add_group(open_page: Any, server: Running) -> None:
    """The dialog refuses a 31-byte name in the page and an unknown owner (the server's
    words, next to the owner field); Confirm saves and the group appears in the list;
    the owner's device hears it was created."""
    await register(server, "alice")
    alice = await server.login("alice")
    page = await open_page(server)
    await sign_in(page)
    dialog = page.locator("#group-dialog")

    await page.get_by_role("button", name="Add group").click()
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")  # the keyboard closes it
    await expect(dialog).to_be_hidden()

    await page.get_by_role("button", name="Add group").click()
    name = dialog.get_by_label("Group name")
    await name.fill("あいうえおかきくけこx")  # 10 x 3 bytes + 1
    await expect(dialog.locator("#group-name-count")).to_have_text("31 / 30 bytes")
    await expect(dialog.locator("#group-name-error")).to_have_text(
        "The name is 31 bytes long; at most 30 bytes (UTF-8) are allowed."
    )
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(dialog).to_be_visible()
    await expect(name).to_have_attribute("aria-invalid", "true")
    await name.fill("あいうえおかきくけこ")
    await expect(dialog.locator("#group-name-count")).to_have_text("30 / 30 bytes")
    await expect(dialog.locator("#group-name-error")).to_have_text("")

    await name.fill("")
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(dialog.locator("#group-name-error")).to_have_text("Enter a group name.")

    await name.fill("Hiking club")
    owner = dialog.get_by_label("Owner ID")
    await owner.fill("nobody")
    await dialog.get_by_label("Type").select_option("Meeting")
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(dialog.locator("#group-owner-error")).to_have_text(
        "No user “nobody” is registered: the owner must be a registered user."
    )
    await expect(owner).to_have_attribute("aria-invalid", "true")
    await expect(dialog).to_be_visible()
    assert (await server.node.store.list_groups(group_type=None, after=0, limit=10))[1] == 0

    await owner.fill("alice")
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(dialog).to_be_hidden()
    [(_, group)] = (await server.node.store.list_groups(group_type=None, after=0, limit=10))[0]
    assert (group.name, group.owner_id, group.type) == ("Hiking club", "alice", "Meeting")
    created = row(page, group.group_id)
    await expect(created.locator("td")).to_have_text(
        ["", group.group_id, "Hiking club new", "alice", "Meeting", re_time(), "View detailsSend messageDismiss"]
    )
    await expect(page.locator("#list-status")).to_contain_text("created")
    await notice(alice, NoticeType.CREATED, group.group_id)

    await page.get_by_role("button", name="Add group").click()
    await name.fill("Ownerless")
    await dialog.get_by_label("Type").select_option("AVChatRoom")
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#list-summary")).to_have_text("Page 1 · groups 1–2 of 2")
    await expect(rows(page).nth(1).locator("td").nth(3)).to_have_text("—")


def re_time() -> re.Pattern[str]:
    """A time as the page shows it."""
    return re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


# -- details, edit, members -------------------------------------------------------------------


async def test_details_edit_and_members(open_page: Any, server: Running) -> None:
    """Details: basic info, Edit name and introduction (members get the tip); members
    with nickname, join time, last speak time and role; add a member (an unknown user is
    refused); delete one, then several, each after a confirmation."""
    await register(server, "alice", "bob", "carol", "dave", alice="Alice A.", bob="Bobby")
    group_id = await make_group(server, "Book club", "Public", owner="alice", members=("bob", "carol"))
    bob = await server.login("bob")
    await bob.send_group_message(group_id, "first!")

    page = await open_page(server)
    await sign_in(page)
    await row(page, group_id).get_by_role("button", name="View details").click()
    await expect(page.get_by_role("heading", name="Group details: Book club")).to_be_visible()
    assert page.url.endswith("#/group/" + group_id.replace("#", "%23").replace("@", "%40"))
    info = page.locator("#group-info dd")
    await expect(info).to_have_text([group_id, "Book club", "—", "alice", "Public", re_time(), "3"])

    members = page.locator("#member-table tbody tr")
    await expect(members).to_have_count(3)
    await expect(member_row(page, "alice").locator("td")).to_have_text(
        ["", "alice", "Alice A.", re_time(), "Never", "Owner", "—"]
    )
    await expect(member_row(page, "bob").locator("td")).to_have_text(
        ["", "bob", "Bobby", re_time(), re_time(), "Member", "Delete"]
    )
    await expect(member_row(page, "carol").locator("td").nth(2)).to_have_text("—")
    await expect(member_row(page, "alice").get_by_role("checkbox")).to_be_disabled()

    # edit name and introduction
    await page.get_by_role("button", name="Edit").click()
    edit = page.locator("#edit-dialog")
    await edit.get_by_label("Group name").fill("x" * 31)
    await expect(edit.locator("#edit-name-error")).to_contain_text("31 bytes")
    await edit.get_by_role("button", name="Save").click()
    await expect(edit).to_be_visible()
    await edit.get_by_label("Group name").fill("Readers")
    await edit.get_by_label("Introduction").fill("We read one book a month.")
    await edit.get_by_role("button", name="Save").click()
    await expect(edit).to_be_hidden()
    await expect(info).to_have_text(
        [group_id, "Readers", "We read one book a month.", "alice", "Public", re_time(), "3"]
    )
    stored = await server.node.store.get_group(group_id)
    assert stored is not None and (stored.name, stored.introduction) == ("Readers", "We read one book a month.")
    while (changed := await bob.next_push(GroupTip, timeout=wait(5))).operation_type != TipType.GROUP_PROFILE_UPDATED:
        pass
    assert changed.new_group_profile is not None and changed.new_group_profile.name == "Readers"

    # add members: an unknown user is refused next to the field
    user = page.get_by_label("Username")
    await user.fill("ghost")
    await page.get_by_role("button", name="Add member").click()
    await expect(page.locator("#add-member-error")).to_have_text("No user “ghost” is registered.")
    await expect(user).to_have_attribute("aria-invalid", "true")
    await user.fill("dave")
    await page.get_by_role("button", name="Add member").click()
    await expect(page.locator("#members-status")).to_have_text("Added “dave”.")
    await expect(members).to_have_count(4)
    await expect(member_row(page, "dave").locator("td").nth(5)).to_have_text("Member")
    await expect(info.nth(6)).to_have_text("4")
    await user.fill("dave")
    await page.get_by_role("button", name="Add member").click()
    await expect(page.locator("#add-member-error")).to_have_text("“dave” is already a member of this group.")

    # delete one: cancel first, then confirm
    confirm = page.locator("#confirm-dialog")
    await member_row(page, "carol").get_by_role("button", name="Delete").click()
    await expect(confirm).to_contain_text("Remove “carol” from the group?")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    await expect(members).to_have_count(4)
    await member_row(page, "carol").get_by_role("button", name="Delete").click()
    await confirm.get_by_role("button", name="Delete member").click()
    await expect(confirm).to_be_hidden()
    await expect(member_row(page, "carol")).to_have_count(0)
    await expect(page.locator("#members-status")).to_have_text("Deleted 1 member: carol.")

    # delete several
    await member_row(page, "bob").get_by_role("checkbox").check()
    await member_row(page, "dave").get_by_role("checkbox").check()
    await expect(page.locator("#member-selection")).to_have_text("2 selected")
    await page.get_by_role("button", name="Delete selected members").click()
    await expect(confirm).to_contain_text("Remove these 2 members from the group: bob, dave?")
    await confirm.get_by_role("button", name="Delete 2 members").click()
    await expect(members).to_have_count(1)
    await expect(info.nth(6)).to_have_text("1")
    assert await server.node.store.member_ids(group_id) == ["alice"]
    kicked = await notice(bob, NoticeType.KICKED, group_id)
    assert kicked.operator_id == ""

    await page.get_by_role("link", name="Back to the group list").click()
    await expect(row(page, group_id)).to_contain_text("Readers")


async def test_avchatroom_details_have_no_member_list(open_page: Any, sqlite_server: Running) -> None:
    group_id = await make_group(sqlite_server, "Live show", "AVChatRoom")
    page = await open_page(sqlite_server)
    await sign_in(page)
    await page.goto(f"/console#/group/{group_id.replace('#', '%23')}")
    await expect(page.locator("#no-members")).to_contain_text("keep no member list")
    await expect(page.get_by_label("Username")).to_be_hidden()
    await expect(page.locator('#group-info [data-info="members"]')).to_have_text(
        "0 online now (an AVChatRoom keeps no member list)"
    )
    await page.goto("/console#/group/%40TGS%23nothing")
    await expect(page.locator("#details-error")).to_have_text(
        "This group does not exist any more: it may have been dismissed."
    )


# -- send message -----------------------------------------------------------------------------


async def test_send_message_to_one_and_to_many(open_page: Any, server: Running) -> None:
    """Row button: one group; checkboxes: several. A live counter; 301 characters are
    refused in the page; online members get the message, from the admin."""
    await register(server, "alice", "bob")
    alpha = await make_group(server, "Alpha", "Public", owner="alice")
    beta = await make_group(server, "Beta", "Work", owner="alice", members=("bob",))
    gamma = await make_group(server, "Gamma", "Meeting", owner="bob")
    alice, bob = await server.login("alice"), await server.login("bob")
    page = await open_page(server)
    await sign_in(page)

    dialog = page.locator("#send-dialog")
    await row(page, alpha).get_by_role("button", name="Send message").click()
    await expect(dialog).to_contain_text("To the group “Alpha”")
    text = dialog.get_by_label("Message")
    counter = dialog.locator("#send-count")
    await expect(counter).to_have_text("0 / 300")
    await text.press_sequentially("hello")
    await expect(counter).to_have_text("5 / 300")
    await text.fill("x" * 301)
    await expect(counter).to_have_text("301 / 300")
    await expect(counter).to_have_class("counter over")
    await expect(dialog.locator("#send-text-error")).to_have_text(
        "The message is 301 characters long; at most 300 are allowed."
    )
    await dialog.get_by_role("button", name="Send").click()
    await expect(dialog).to_be_visible()
    await expect(text).to_have_attribute("aria-invalid", "true")

    words = "👋" * 300  # 300 characters (600 UTF-16 units)
    await text.fill(words)
    await expect(counter).to_have_text("300 / 300")
    await dialog.get_by_role("button", name="Send").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#list-status")).to_have_text("Message sent to 1 group.")
    got = await message(alice, alpha)  # the first message: the refused one never left
    assert got.sender_id == ADMIN and got.seq >= 1
    assert isinstance(got.msg_body[0], TextElem) and got.msg_body[0].msg_content.text == words

    await row(page, beta).get_by_role("checkbox").check()
    await row(page, gamma).get_by_role("checkbox").check()
    await expect(page.locator("#selection")).to_have_text("2 selected")
    await page.get_by_role("button", name="Send message to selected").click()
    await expect(dialog.get_by_role("heading")).to_have_text("Send message to 2 groups")
    await text.fill("Maintenance tonight at 22:00.")
    await dialog.get_by_role("button", name="Send").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#list-status")).to_have_text("Message sent to 2 groups.")
    for client, group_id in ((alice, beta), (bob, beta), (bob, gamma)):
        got = await message(client, group_id)
        assert got.sender_id == ADMIN
        assert (
            isinstance(got.msg_body[0], TextElem)
            and got.msg_body[0].msg_content.text == "Maintenance tonight at 22:00."
        )


# -- dismiss ----------------------------------------------------------------------------------


async def test_dismiss_one_and_many(open_page: Any, server: Running) -> None:
    """Dismiss after a confirmation that says all group data will be deleted and cannot
    be restored (cancel keeps the group); members' devices get the dismissed notice."""
    await register(server, "alice", "bob")
    one = await make_group(server, "Old team", "Public", owner="alice", members=("bob",))
    two = await make_group(server, "Project X", "Work", owner="alice")
    three = await make_group(server, "Standup", "Meeting", owner="bob")
    keep = await make_group(server, "Keep me", "Public", owner="alice")
    alice, bob = await server.login("alice"), await server.login("bob")
    page = await open_page(server)
    await sign_in(page)
    confirm = page.locator("#confirm-dialog")

    await row(page, one).get_by_role("button", name="Dismiss").click()
    await expect(confirm).to_be_visible()
    await expect(confirm.locator("#confirm-text")).to_contain_text(f"Dismiss the group “Old team” ({one})?")
    await expect(confirm.locator("#confirm-text")).to_contain_text(DISMISS_WARNING)
    await expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()  # the safe choice first
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    assert await server.node.store.get_group(one) is not None

    await row(page, one).get_by_role("button", name="Dismiss").click()
    await confirm.get_by_role("button", name="Dismiss group").click()
    await expect(confirm).to_be_hidden()
    await expect(page.locator("#list-status")).to_have_text("Dismissed 1 group.")
    await expect(row(page, one)).to_have_count(0)
    assert await server.node.store.get_group(one) is None
    for client in (alice, bob):
        dismissed = await notice(client, NoticeType.DISMISSED, one)
        assert (dismissed.group_name, dismissed.operator_id) == ("Old team", "")

    await row(page, two).get_by_role("checkbox").check()
    await row(page, three).get_by_role("checkbox").check()
    await page.get_by_role("button", name="Dismiss selected").click()
    await expect(confirm.locator("#confirm-text")).to_contain_text("Dismiss these 2 groups")
    await expect(confirm.locator("#confirm-text")).to_contain_text(DISMISS_WARNING)
    await confirm.get_by_role("button", name="Dismiss 2 groups").click()
    await expect(page.locator("#list-status")).to_have_text("Dismissed 2 groups.")
    assert await shown_ids(page) == [keep]
    await notice(alice, NoticeType.DISMISSED, two)
    await notice(bob, NoticeType.DISMISSED, three)

    # from the details page too
    await row(page, keep).get_by_role("button", name="View details").click()
    await page.locator("#details-dismiss").click()
    await expect(confirm.locator("#confirm-text")).to_contain_text(DISMISS_WARNING)
    await confirm.get_by_role("button", name="Dismiss group").click()
    await expect(page.get_by_role("heading", name="Group management")).to_be_visible()
    await expect(rows(page)).to_have_text(["No groups yet: add one."])
    await notice(alice, NoticeType.DISMISSED, keep)


# -- screenshots ------------------------------------------------------------------------------


async def test_screenshots(open_page: Any, sqlite_server: Running, tmp_path: Path) -> None:
    """The list and the details page, as docs/console-list.png and docs/console-details.png
    show them (written there with GROUPCAST_SCREENSHOTS=1)."""
    server = sqlite_server
    people = {"alice": "Alice Chen", "bob": "Bob Müller", "carol": "Carol", "dave": "Dave K.", "erin": "Erin"}
    await register(server, *people, **people)
    club = ""
    for name, kind, owner, members in (
        ("Product team", "Work", "alice", ("bob", "carol")),
        ("Hiking club", "Public", "bob", ("alice", "carol", "dave", "erin")),
        ("Weekly sync", "Meeting", "carol", ("alice",)),
        ("Launch livestream", "AVChatRoom", "alice", ()),
        ("Open source community", "Community", "dave", ("erin",)),
        ("Support", "Public", "", ()),
        ("Book club", "Public", "erin", ("bob",)),  # (the browser here has no CJK font)
    ):
        group_id = await make_group(server, name, kind, owner=owner, members=members)
        if name == "Hiking club":
            club = group_id
    bob = await server.login("bob")
    await bob.send_group_message(club, "Saturday at 8?")
    await manage.modify_group_profile(
        admin_ctx(server.node),
        UpdateGroupProfile(group_id=club, introduction="Day hikes around the lake, every other Saturday."),
    )

    page = await open_page(server)
    await page.set_viewport_size({"width": 1200, "height": 700})
    await sign_in(page)
    await row(page, club).get_by_role("checkbox").check()
    list_png = tmp_path / "console-list.png"
    await page.screenshot(path=str(list_png), full_page=True)
    await row(page, club).get_by_role("button", name="View details").click()
    await expect(page.locator("#member-table tbody tr")).to_have_count(5)
    await page.set_viewport_size({"width": 1200, "height": 900})
    details_png = tmp_path / "console-details.png"
    await page.screenshot(path=str(details_png), full_page=True)
    for png in (list_png, details_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("GROUPCAST_SCREENSHOTS") == "1":
            shutil.copy(png, ROOT / "docs" / png.name)
