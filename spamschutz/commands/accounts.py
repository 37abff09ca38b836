"""``spamschutz moderators`` and ``tokens``: who may use the service."""

from __future__ import annotations

import sys

import click

from spamschutz.context import Context, pass_context

__all__ = ["moderators", "tokens"]


MIN_PASSWORD_LENGTH = 10


def _prompt_password() -> str:
    # The rule is in the prompt, and a short password is asked again at once, not refused at
    # the end. The loop is ours: how click reports a value_proc's refusal differs by release.
    while True:
        password = click.prompt(
            f"Password (at least {MIN_PASSWORD_LENGTH} characters)", hide_input=True
        )
        if len(password) < MIN_PASSWORD_LENGTH:
            click.echo(f"Error: at least {MIN_PASSWORD_LENGTH} characters, please")
            continue
        if click.prompt("Repeat for confirmation", hide_input=True) == password:
            return password
        click.echo("Error: The two entered values do not match.")


def _read_password(password_stdin: bool) -> str:
    if not password_stdin:
        return _prompt_password()
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    return password


@click.group()
def moderators() -> None:
    """Moderator accounts for the moderation desk."""


@moderators.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_context
def moderators_add(context: Context, name: str, password_stdin: bool) -> None:
    """Create moderator NAME."""
    from spamschutz.service.auth import hash_password
    from spamschutz.service.storage import ConflictError

    try:
        context.stores.accounts.add_moderator(name, hash_password(_read_password(password_stdin)))
    except (ConflictError, ValueError) as error:
        raise click.ClickException(f"A moderator named {name!r} already exists.") from error
    click.echo(f"Moderator {name} added.")


@moderators.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_context
def moderators_passwd(context: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (logs out their sessions)."""
    from spamschutz.service.auth import hash_password
    from spamschutz.service.storage import NotFound

    try:
        context.stores.accounts.set_moderator_password(
            name, hash_password(_read_password(password_stdin))
        )
    except NotFound as error:
        raise click.ClickException(f"No moderator named {name!r}.") from error
    click.echo(f"Password of {name} changed; their sessions are logged out.")


@moderators.command("disable")
@click.argument("name")
@pass_context
def moderators_disable(context: Context, name: str) -> None:
    """Disable NAME: they cannot log in, and their sessions end at once."""
    _set_disabled(context, name, disabled=True)
    click.echo(f"Moderator {name} disabled; their sessions are logged out.")


@moderators.command("enable")
@click.argument("name")
@pass_context
def moderators_enable(context: Context, name: str) -> None:
    """Let a disabled moderator NAME log in again."""
    _set_disabled(context, name, disabled=False)
    click.echo(f"Moderator {name} enabled.")


def _set_disabled(context: Context, name: str, disabled: bool) -> None:
    from spamschutz.service.storage import NotFound

    try:
        context.stores.accounts.set_moderator_disabled(name, disabled)
    except NotFound as error:
        raise click.ClickException(f"No moderator named {name!r}.") from error


@moderators.command("list")
@pass_context
def moderators_list(context: Context) -> None:
    """List moderators."""
    for row in context.stores.accounts.list_moderators():
        click.echo(f"{row.name}{'  (disabled)' if row.disabled else ''}")


@click.group()
def tokens() -> None:
    """API tokens for sites, integrations and tools."""


@tokens.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["site", "moderator", "admin"]),
    default="site",
    show_default=True,
    help="What the token may do.",
)
@pass_context
def tokens_create(context: Context, name: str, role: str) -> None:
    """Create a token; it is printed once, as the last line."""
    from spamschutz.service.auth import hash_token, new_token

    token = new_token()
    context.stores.accounts.add_api_token(name, hash_token(token), role)
    click.echo(f"Token {name!r} with role {role} created. Store it now; it is not shown again:")
    click.echo(token)


@tokens.command("list")
@pass_context
def tokens_list(context: Context) -> None:
    """List tokens (never their values), with when each was last used (to the minute)."""
    for row in context.stores.accounts.list_api_tokens():
        state = "revoked" if row.revoked_at else "active"
        used = (
            f"last used {row.last_used_at.isoformat(timespec='minutes')}"
            if row.last_used_at
            else "never used"
        )
        click.echo(f"{row.id}  {row.name}  {row.role}  {state}  {used}")


@tokens.command("revoke")
@click.argument("name")
@pass_context
def tokens_revoke(context: Context, name: str) -> None:
    """Revoke the token(s) called NAME (or with id NAME)."""
    count = context.stores.accounts.revoke_api_token(name)
    if not count:
        raise click.ClickException(f"No active token named {name!r}.")
    click.echo(f"Revoked {count} token(s).")
