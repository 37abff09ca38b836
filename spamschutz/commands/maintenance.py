"""``spamschutz spool``, ``purge`` and ``privacy``: keeping comments and forgetting them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from spamschutz.context import Context, pass_context

if TYPE_CHECKING:
    from spamschutz.service.storage import PersonalComment, Spool

__all__ = ["privacy", "purge", "spool"]


def _spool(context: Context) -> Spool:
    from spamschutz.service.storage import spool_for

    return spool_for(context.config)


def _warn_about_spooled_comments(context: Context) -> None:
    depth = _spool(context).depth()
    if depth:
        click.echo(
            f"Warning: {depth} comment(s) still wait in the spool and are not covered; "
            "run 'spamschutz spool drain' first.",
            err=True,
        )


@click.group()
def spool() -> None:
    """Comments kept on local disk while the database was unavailable."""


@spool.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def spool_status(context: Context, as_json: bool) -> None:
    """How many comments wait in the spool."""
    status = _spool(context).status()
    oldest = status.oldest.isoformat() if status.oldest else None
    if as_json:
        click.echo(json.dumps({"depth": status.depth, "failed": status.failed, "oldest": oldest}))
        return
    click.echo(f"{status.depth} comment(s) waiting" + (f", oldest from {oldest}" if oldest else ""))
    if status.failed:
        click.echo(
            f"{status.failed} comment(s) set aside in {_spool(context).failed_directory}; "
            "see the .reason files, then run 'spamschutz spool drain --retry-failed'."
        )


@spool.command("drain")
@click.option(
    "--retry-failed", is_flag=True, help="Also retry the comments set aside after an error."
)
@pass_context
def spool_drain(context: Context, retry_failed: bool) -> None:
    """Store the spooled comments in the database, each exactly once."""
    from spamschutz.service.storage import drain_spool

    target = _spool(context)
    if retry_failed:
        target.retry_failed()
    report = drain_spool(target, context.stores.comments)
    click.echo(
        f"Stored {report.stored} comment(s); {report.duplicates} were already stored; "
        f"{report.set_aside} set aside; {report.remaining} waiting."
    )
    if report.database_unavailable:
        raise click.ClickException(
            "The database is unavailable; the remaining comments stay in the spool. "
            "Try again when it is back."
        )


@click.command()
@click.option(
    "--older-than-days",
    type=click.IntRange(min=1),
    default=None,
    help="Retention in days (default: SPAMSCHUTZ_RETENTION_DAYS).",
)
@pass_context
def purge(context: Context, older_than_days: int | None) -> None:
    """Delete spam and rejected comments older than the retention, expired challenges, and
    the campaign detection's index beyond its window."""
    days = older_than_days or int(context.config["RETENTION_DAYS"])  # type: ignore[call-overload]
    from spamschutz.service.storage import utc_now

    stores = context.stores
    now = utc_now()
    removed = stores.privacy.purge_comments(now - timedelta(days=days))
    # A redemption only matters while its token could still be presented.
    ttl = int(context.config["CHALLENGE_TTL_SECONDS"])  # type: ignore[call-overload]
    redemptions = stores.challenges.purge_challenge_redemptions(now - timedelta(seconds=ttl))
    window = float(context.config["CAMPAIGN_WINDOW_DAYS"])  # type: ignore[arg-type]
    indexed = stores.campaigns.purge_campaign_window(now - timedelta(days=window))
    click.echo(
        f"Deleted {removed} spam or rejected comment(s) older than {days} days, "
        f"{redemptions} expired challenge redemption(s) and {indexed} comment(s) from the "
        f"campaign detection's {window:g}-day window."
    )


def _email_hash(context: Context, email: str) -> str | None:
    from spamschutz.service.privacy import keyed_hash

    return keyed_hash(email, str(context.config["SECRET_KEY"]))


def _export_entry(personal: PersonalComment) -> dict[str, Any]:
    row = personal.comment
    return {
        "id": row.public_id,
        "thread_id": row.thread_id,
        "created_at": row.created_at.isoformat(),
        "author_name": row.author_name,
        "author_email": row.author_email,
        "author_url": row.author_url,
        "text": row.text,
        "lang": row.lang,
        "status": row.status,
        "score": row.score,
        "ip_truncated": row.ip_truncated,
        "ip_hash": row.ip_hash,
        "email_hash": row.email_hash,
        "user_agent": row.user_agent,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        # The decisions, not who took them: moderators' names are their personal data.
        "decisions": [
            {
                "action": decision.action,
                "from_status": decision.from_status,
                "to_status": decision.to_status,
                "at": decision.created_at.isoformat(),
            }
            for decision in personal.decisions
        ],
    }


@click.group()
def privacy() -> None:
    """Commenters' rights: what is stored about an e-mail address, and erasing it."""


@privacy.command("export")
@click.argument("email")
@pass_context
def privacy_export(context: Context, email: str) -> None:
    """Print as JSON every comment stored for EMAIL, with its decisions."""
    _warn_about_spooled_comments(context)
    found = context.stores.privacy.comments_of_commenter(email, _email_hash(context, email))
    document = {"email": email, "comments": [_export_entry(entry) for entry in found]}
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@privacy.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def privacy_erase(context: Context, email: str, yes: bool) -> None:
    """Erase the text and personal data of every comment stored for EMAIL.

    Each comment keeps its status and moderation decisions (the audit trail) but loses text,
    name, e-mail, website, network, hashes and user agent; it disappears from threads and
    from training data.
    """
    _warn_about_spooled_comments(context)
    if not yes:
        click.confirm(f"Erase every comment of {email}? This cannot be undone.", abort=True)
    count = context.stores.privacy.erase_commenter(email, _email_hash(context, email))
    click.echo(f"Erased {count} comment(s) of {email}.")
