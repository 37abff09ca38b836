"""``spamschutz sites`` and ``webhooks``: per-site challenge modes and signed event delivery."""

from __future__ import annotations

import time

import click

from spamschutz.context import Context, pass_context

__all__ = ["sites", "webhooks"]


@click.group()
def sites() -> None:
    """Per-site settings (the widget names its site with data-site)."""


@sites.command("set")
@click.argument("name")
@click.option(
    "--challenge",
    type=click.Choice(["always", "unsure", "never"]),
    required=True,
    help="always: every reader answers a question; unsure: only when the model is unsure; "
    "never: nobody.",
)
@click.option("--origin", default=None, help="The site's origin, e.g. https://zeitung.example.")
@pass_context
def sites_set(context: Context, name: str, challenge: str, origin: str | None) -> None:
    """Create or change site NAME.

    Its mode applies to requests from its origin (or with a site key); others naming the
    site get the stricter of its mode and SPAMSCHUTZ_CHALLENGE_MODE.
    """
    if origin is not None:
        from spamschutz.service.cors import allowed_origins

        try:
            origins = allowed_origins(origin)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--origin") from error
        if len(origins) != 1:
            raise click.BadParameter(
                "give one origin like https://www.example.de", param_hint="--origin"
            )
        origin = origins[0]
    row = context.stores.sites.set_site(name, challenge, origin)
    click.echo(f"Site {row.name}: challenge {row.challenge}, origin {row.origin or '-'}.")


@sites.command("list")
@pass_context
def sites_list(context: Context) -> None:
    """Every site with its own settings."""
    for row in context.stores.sites.list_sites():
        click.echo(f"{row.name}\t{row.challenge}\t{row.origin or '-'}")


@click.group()
def webhooks() -> None:
    """Signed webhooks: endpoints, deliveries, retries."""


@webhooks.command("add")
@click.argument("url")
@click.option("--secret", required=True, help="Shared secret for the HMAC-SHA256 signature.")
@click.option(
    "--events",
    default="",
    help="Comma-separated events (default: all): comment.received, comment.approved, "
    "comment.rejected, comment.spam, comment.pending.",
)
@pass_context
def webhooks_add(context: Context, url: str, secret: str, events: str) -> None:
    """Send events to URL."""
    from spamschutz.service.webhook_targets import parse_networks, refused_target

    allowed = parse_networks(str(context.config["WEBHOOK_ALLOWED_NETWORKS"]))
    refusal = refused_target(url, allowed)
    if refusal is not None:
        raise click.ClickException(f"Not added: {refusal}.")
    if len(secret) < 16:
        raise click.ClickException("The secret must have at least 16 characters.")
    wanted = [event.strip() for event in events.split(",") if event.strip()]
    try:
        row = context.stores.webhooks.add_webhook_endpoint(url, secret, wanted)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Webhook {row.id} added: {row.url} ({', '.join(row.events)}).")


@webhooks.command("list")
@click.option("--failed", is_flag=True, help="Only deliveries that failed for good.")
@pass_context
def webhooks_list(context: Context, failed: bool) -> None:
    """Endpoints, then the newest deliveries with their attempts and errors."""
    for endpoint in context.stores.webhooks.list_webhook_endpoints():
        state = "disabled" if endpoint.disabled_at else "active"
        click.echo(f"endpoint {endpoint.id}\t{state}\t{endpoint.url}\t{','.join(endpoint.events)}")
    for row in context.stores.webhooks.list_deliveries("failed" if failed else None):
        click.echo(
            f"delivery {row.id}\t{row.status}\t{row.event}\tattempts={row.attempts}\t"
            f"next={row.next_attempt_at.isoformat()}\t{row.url}\t{row.last_error or ''}"
        )


@webhooks.command("disable")
@click.argument("endpoint_id", type=int)
@pass_context
def webhooks_disable(context: Context, endpoint_id: int) -> None:
    """Send no new events to endpoint ENDPOINT_ID."""
    from spamschutz.service.storage import NotFound

    try:
        context.stores.webhooks.disable_webhook_endpoint(endpoint_id)
    except NotFound as error:
        raise click.ClickException(f"No webhook endpoint {endpoint_id}.") from error
    click.echo(f"Webhook {endpoint_id} disabled.")


@webhooks.command("retry")
@click.argument("delivery_id", type=int)
@pass_context
def webhooks_retry(context: Context, delivery_id: int) -> None:
    """Send delivery DELIVERY_ID again at the next delivery run."""
    from spamschutz.service.storage import NotFound

    try:
        context.stores.webhooks.retry_delivery(delivery_id)
    except NotFound as error:
        raise click.ClickException(f"No undelivered delivery {delivery_id}.") from error
    click.echo(f"Delivery {delivery_id} queued again.")


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering (a sidecar instead of the service).")
@pass_context
def webhooks_deliver(context: Context, loop: bool) -> None:
    """Send the deliveries that are due now."""
    from spamschutz.service.webhooks import DeliveryPolicy, deliver_due

    policy = DeliveryPolicy.from_config(context.config)
    while True:
        counts = deliver_due(context.stores.webhooks, policy)
        click.echo(
            f"delivered {counts['delivered']}, to retry {counts['retry']}, "
            f"failed {counts['failed']}"
        )
        if not loop:
            return
        interval = float(context.config["WEBHOOK_DELIVERY_SECONDS"])  # type: ignore[arg-type]
        time.sleep(max(1.0, interval))
