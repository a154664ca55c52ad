"""``im_open_login_svc``: account_import, multiaccount_import, account_delete, account_check
(rest-api.md section 9)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from protocol.errors import ErrorCode, GroupcastError

from .. import accounts
from ..ops import Ctx
from ..store import Account
from .base import Body, Reply, endpoint

SERVICE = "im_open_login_svc"
NOT_IMPORTED = "Err_TLS_PT_Open_Login_Account_Not_Exist"
Batch = Annotated[int, msgspec.Meta(le=100)]


class AccountImport(Body):
    UserID: str = ""
    Identifier: str = ""  # the older name some clients send
    Nick: str | None = None
    FaceUrl: str | None = None


@endpoint(SERVICE, "account_import", AccountImport)
async def account_import(ctx: Ctx, body: AccountImport) -> None:
    """Import one account (or update its nickname and face URL)."""
    user_id = body.UserID or body.Identifier
    if not user_id:
        raise GroupcastError(ErrorCode.ACCOUNT_INVALID_PARAMETER, "UserID is required")
    await accounts.import_accounts(ctx.node, [Account(user_id=user_id, nick=body.Nick, face_url=body.FaceUrl)])


class AccountItem(Body):
    UserID: str
    Nick: str | None = None
    FaceUrl: str | None = None


class MultiaccountImport(Body):
    Accounts: Annotated[list[str], msgspec.Meta(max_length=100)] = []
    AccountList: Annotated[list[AccountItem], msgspec.Meta(max_length=100)] = []


class MultiaccountImportReply(Reply):
    FailAccounts: list[str]


@endpoint(SERVICE, "multiaccount_import", MultiaccountImport, MultiaccountImportReply)
async def multiaccount_import(ctx: Ctx, body: MultiaccountImport) -> MultiaccountImportReply:
    """Import up to 100 accounts; invalid ones are listed in FailAccounts, the others imported."""
    wanted = [Account(user_id=u) for u in body.Accounts] + [
        Account(user_id=a.UserID, nick=a.Nick, face_url=a.FaceUrl) for a in body.AccountList
    ]
    if not wanted:
        raise GroupcastError(ErrorCode.ACCOUNT_INVALID_PARAMETER, "Accounts (or AccountList) is required")
    good: list[Account] = []
    failed: list[str] = []
    for account in wanted:
        try:
            accounts.validate_account(account)
        except GroupcastError:
            failed.append(account.user_id)
        else:
            good.append(account)
    await accounts.import_accounts(ctx.node, good)
    return MultiaccountImportReply(FailAccounts=failed)


class UserRef(Body):
    UserID: str


class AccountDelete(Body):
    DeleteItem: Annotated[list[UserRef], msgspec.Meta(min_length=1, max_length=100)]


class DeleteResult(Reply):
    ResultCode: int
    ResultInfo: str
    UserID: str


class AccountDeleteReply(Reply):
    ResultItem: list[DeleteResult]


@endpoint(SERVICE, "account_delete", AccountDelete, AccountDeleteReply)
async def account_delete(ctx: Ctx, body: AccountDelete) -> AccountDeleteReply:
    """Delete accounts; their devices are logged out. Unknown ones get 70107 each."""
    gone = await accounts.delete_accounts(ctx.node, [item.UserID for item in body.DeleteItem])
    return AccountDeleteReply(
        ResultItem=[
            DeleteResult(ResultCode=0, ResultInfo="", UserID=uid)
            if deleted
            else DeleteResult(ResultCode=int(ErrorCode.ACCOUNT_NOT_FOUND), ResultInfo=NOT_IMPORTED, UserID=uid)
            for uid, deleted in gone.items()
        ]
    )


class AccountCheck(Body):
    CheckItem: Annotated[list[UserRef], msgspec.Meta(min_length=1, max_length=100)]


class CheckResult(Reply):
    UserID: str
    ResultCode: int
    ResultInfo: str
    AccountStatus: str


class AccountCheckReply(Reply):
    ResultItem: list[CheckResult]


@endpoint(SERVICE, "account_check", AccountCheck, AccountCheckReply)
async def account_check(ctx: Ctx, body: AccountCheck) -> AccountCheckReply:
    """Whether each account is imported."""
    found = await accounts.check_accounts(ctx.node, [item.UserID for item in body.CheckItem])
    return AccountCheckReply(
        ResultItem=[
            CheckResult(UserID=uid, ResultCode=0, ResultInfo="", AccountStatus="Imported" if ok else "NotImported")
            for uid, ok in found.items()
        ]
    )
