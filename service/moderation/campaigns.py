"""The desk's campaigns: the list, one campaign's view, deciding all its members, and undo.

Deciding all is one decision on the campaign: "spam" sends its pending members to the spam
folder and later members straight there (the sweep); "not spam" dissolves it, taking any
sweep back. The sweep's undo puts the swept comments back in the queue. Plain forms with a
redirect, so all of it works without JavaScript.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for

from spamschutz.service.api.validation import is_public_id
from spamschutz.service.campaigns.describe import campaign_reason
from spamschutz.service.extensions import runtime
from spamschutz.service.i18n import N_, translate
from spamschutz.service.moderation import bp
from spamschutz.service.moderation.access import login_required
from spamschutz.service.moderation.cards import QUEUES, local_time
from spamschutz.service.moderation.language import desk_language
from spamschutz.service.storage import NotFound

__all__ = ["CAMPAIGN_ACTIONS", "campaign_view", "campaigns_list", "decide_campaign",
           "undo_campaign_sweep"]

# Decide-all on the campaign view -> the catalog key of what was done.
CAMPAIGN_ACTIONS = {"spam": N_("campaign.done.spam"), "ham": N_("campaign.done.ham")}
LINKS = {
    "text": N_("campaign.link.text"), "domain": N_("campaign.link.domain"),
    "phone": N_("campaign.link.phone"), "email": N_("campaign.link.email"),
    "mail_domain": N_("campaign.link.mail_domain"), "sender": N_("campaign.link.sender"),
}
STATUSES = {"open": N_("campaign.status.open"), "dissolved": N_("campaign.status.dissolved"),
            "forming": N_("campaign.status.forming")}


@dataclass(frozen=True)
class TimelineDay:
    """How many members arrived on one day, for the campaign's timeline."""

    day: datetime
    count: int


def _campaign_or_404(public_id: str):
    if not is_public_id(public_id):
        abort(404)
    try:
        return runtime().campaigns.get_campaign(public_id)
    except NotFound:
        abort(404)


@bp.get("/campaigns")
@login_required
def campaigns_list():
    """The recognised campaigns, the most recently active first."""
    lang = desk_language()
    rows = runtime().campaigns.list_campaigns()
    return render_template("moderation/campaigns.html", campaigns=rows,
                           reasons={row.public_id: campaign_reason(row, lang) for row in rows},
                           statuses=STATUSES)


@bp.get("/campaigns/<public_id>")
@login_required
def campaign_view(public_id: str):
    """One campaign: what its members share, its threads, timeline and members."""
    campaign = _campaign_or_404(public_id)
    lang = desk_language()
    members = runtime().campaigns.campaign_members(public_id)
    days = Counter(member.created_at.date() for member in members)
    threads = Counter(member.thread_id for member in members)
    texts = [member.text for member in members]
    return render_template(
        "moderation/campaign.html",
        campaign=campaign,
        reason=campaign_reason(campaign, lang),
        members=members,
        times={m.public_id: local_time(m.created_at, lang) for m in members},
        timeline=[TimelineDay(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), count)
                  for day, count in sorted(days.items())],
        most=max(days.values(), default=1),
        threads=threads.most_common(),
        sample=texts[0] if texts else "",
        pending=sum(member.status == "pending" for member in members),
        queues=QUEUES,
        links=LINKS,
        statuses=STATUSES,
    )


@bp.post("/campaigns/<public_id>/decision")
@login_required
def decide_campaign(public_id: str):
    """Spam for all (the sweep) or not spam for all (dissolved); back to the campaign."""
    campaign = _campaign_or_404(public_id)
    action = request.form.get("action", "")
    if action not in CAMPAIGN_ACTIONS:
        abort(400)
    campaigns = runtime().campaigns
    if action == "spam":
        moved = campaigns.sweep_campaign(campaign.public_id, g.moderator.name)
    else:
        moved = campaigns.dissolve_campaign(campaign.public_id, g.moderator.name)
    flash(translate(CAMPAIGN_ACTIONS[action], desk_language(), count=moved), "success")
    return redirect(url_for(".campaign_view", public_id=campaign.public_id), 303)


@bp.post("/campaigns/<public_id>/undo")
@login_required
def undo_campaign_sweep(public_id: str):
    """Take the campaign's sweep back: the swept comments return to the queue."""
    campaign = _campaign_or_404(public_id)
    moved = runtime().campaigns.undo_sweep(campaign.public_id, g.moderator.name)
    flash(translate("campaign.done.undo", desk_language(), count=moved), "success")
    return redirect(url_for(".campaign_view", public_id=campaign.public_id), 303)
