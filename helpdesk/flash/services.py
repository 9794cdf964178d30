"""Flash info operations: write and publish bulletins, target members, read receipts, subscriptions, fan-out."""
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.kb.services import save_article, set_article_status, slug_from_title
from helpdesk.mail import sender
from helpdesk.mail.outbox import absolute_url, queue_email
from helpdesk.markup import message_as_text
from helpdesk.models import (REGIONS, STRUCTURE_TYPES, Article, Event, FlashBulletin, FlashDelivery, FlashRead,
                             Structure, Theme, ThemeSubscription, User)
from helpdesk.models._types import utcnow
from helpdesk.permissions import MEMBER_ARTICLE_VISIBILITIES, article_visibilities, ensure_can_edit_articles
from helpdesk.translation import gettext as _

UNSUBSCRIBE_SALT = "flash-unsubscribe"
HOME_LIMIT = 5


log = logging.getLogger(__name__)

@dataclass
class Audience:
    """Who a bulletin is for: every member, or members of some structure types and/or regions."""

    all_members: bool = True
    structure_types: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    def validate(self) -> None:
        """Known values, and a target when not for everyone."""
        if any(value not in STRUCTURE_TYPES for value in self.structure_types):
            raise InvalidInput(_("Le type de structure choisi pour public n'existe pas."))
        if any(value not in REGIONS for value in self.regions):
            raise InvalidInput(_("La région choisie pour public n'existe pas."))
        if not self.all_members and not (self.structure_types or self.regions):
            raise InvalidInput(_("Choisissez pour public au moins un type de structure ou une région, ou « tous les "
                                 "membres »."))


def save_bulletin(article: Article | None, data: dict, audience: Audience, actor: User) -> Article:
    """Write a bulletin (a members' "flash" article, saved as a draft) and its audience, in one transaction; a new
    bulletin sent again for the same audience (a double click) is the draft already created, for another audience
    another bulletin."""
    ensure_can_edit_articles(actor)
    audience.validate()
    if not data.get("themes"):
        raise InvalidInput(_("Choisissez au moins un thème (il décide qui reçoit le courriel)."))
    if article is not None and article.status != "draft":
        raise InvalidInput(_("Un flash info publié ne se modifie plus, il a déjà été annoncé."))
    if article is None:
        data["slug"] = slug_from_title(data.get("title"), prefix="flash-", fallback="info")
    else:
        data["slug"] = article.slug
    target = (audience.all_members, [] if audience.all_members else sorted(set(audience.structure_types)),
              [] if audience.all_members else sorted(set(audience.regions)))

    def for_this_audience(draft: Article) -> bool:
        """Whether the draft written a moment ago is for this very audience."""
        written = db.session.get(FlashBulletin, draft.id)
        return written is not None and (written.all_members, written.structure_types, written.regions) == target

    article = save_article(article, {**data, "type": "flash", "visibility": "members"}, actor, commit=False,
                           bulletin=True, resent_if=for_this_audience)
    bulletin = db.session.get(FlashBulletin, article.id) or FlashBulletin(article_id=article.id)
    bulletin.all_members, bulletin.structure_types, bulletin.regions = target
    db.session.add(bulletin)
    db.session.commit()
    return article


def get_bulletin(article: Article) -> FlashBulletin:
    """The audience row of a flash article."""
    bulletin = db.session.get(FlashBulletin, article.id)
    if bulletin is None:
        raise InvalidInput(_("Cette ressource n'est pas un flash info."))
    return bulletin


def _audience_condition(bulletin: FlashBulletin):
    """SQL condition on User (joined with Structure): active members of active structures in the audience."""
    condition = and_(User.role == "member", User.active, Structure.active)
    if not bulletin.all_members:
        if bulletin.structure_types:
            condition = and_(condition, Structure.type.in_(bulletin.structure_types))
        if bulletin.regions:
            condition = and_(condition, Structure.region.in_(bulletin.regions))
    return condition


def _subscribed_condition(article: Article):
    """SQL condition on User: subscribed to at least one theme of the bulletin."""
    return exists().where(ThemeSubscription.user_id == User.id,
                          ThemeSubscription.theme_id.in_([theme.id for theme in article.themes]))


def audience_size(bulletin: FlashBulletin) -> tuple[int, int]:
    """(members in the audience, those of them who will get the email)."""
    base = select(func.count()).select_from(User).join(Structure, Structure.id == User.structure_id)
    members = db.session.scalar(base.where(_audience_condition(bulletin)))
    subscribed = db.session.scalar(base.where(_audience_condition(bulletin), _subscribed_condition(bulletin.article)))
    return members, subscribed


def delivered_count(article: Article) -> int:
    """How many recipients the fan-out has handled so far."""
    return db.session.scalar(select(func.count()).select_from(FlashDelivery).where(FlashDelivery.article_id == article.id))


def publish_bulletin(article: Article, actor: User) -> int:
    """Publish: it shows on members' home pages now; `flask flash send` fans the emails out. Returns recipients."""
    bulletin = get_bulletin(article)
    set_article_status(article, "published", actor, announcing=True)
    return audience_size(bulletin)[1]


def unread_bulletins(user, limit: int = HOME_LIMIT) -> list[Article]:
    """Published bulletins meant for this member, visible to them and not read yet, newest first."""
    if not (user.is_authenticated and user.is_member):
        return []
    structure = user.structure
    query = (select(Article).join(FlashBulletin, FlashBulletin.article_id == Article.id)
             .where(Article.type == "flash", Article.status == "published",
                    Article.visibility.in_(article_visibilities(user)),
                    ~exists().where(FlashRead.article_id == Article.id, FlashRead.user_id == user.id))
             .order_by(Article.published_at.desc(), Article.id.desc()).options(selectinload(Article.themes)))
    # The audience lists are JSON: filtered here, on the few unread bulletins.
    unread = []
    for article in db.session.scalars(query):
        bulletin = db.session.get(FlashBulletin, article.id)
        if bulletin.all_members or (
                (not bulletin.structure_types or structure.type in bulletin.structure_types)
                and (not bulletin.regions or structure.region in bulletin.regions)):
            unread.append(article)
        if len(unread) == limit:
            break
    return unread


def mark_read(user, article: Article) -> None:
    """Record that a member read the bulletin (idempotent)."""
    if not (user.is_authenticated and user.is_member) or article.type != "flash":
        return
    _insert_ignoring_duplicates(FlashRead, [{"article_id": article.id, "user_id": user.id, "read_at": utcnow()}],
                                ("article_id", "user_id"))
    db.session.commit()


def _insert_ignoring_duplicates(model, rows: list[dict], key: tuple[str, ...]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING; return the user_id of the rows actually inserted."""
    if not rows:
        return []
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(model).values(rows).on_conflict_do_nothing(index_elements=list(key))
                 .returning(model.user_id))
    return list(db.session.scalars(statement))


def subscribed_theme_ids(user: User) -> set[int]:
    """Themes whose bulletins the user gets by email."""
    return set(db.session.scalars(select(ThemeSubscription.theme_id).where(ThemeSubscription.user_id == user.id)))


def set_subscriptions(user: User, theme_ids) -> None:
    """Replace the member's theme subscriptions."""
    if not user.is_member:
        raise Forbidden(_("Les abonnements aux flash info sont réservés aux membres."))
    wanted = set(theme_ids)
    known = set(db.session.scalars(select(Theme.id).where(Theme.id.in_(wanted), Theme.active)))
    if wanted - known:
        raise InvalidInput(_("L'un des thèmes choisis n'existe pas."))
    current = subscribed_theme_ids(user)
    for theme_id in current - wanted:
        db.session.delete(db.session.get(ThemeSubscription, (user.id, theme_id)))
    for theme_id in wanted - current:
        db.session.add(ThemeSubscription(user_id=user.id, theme_id=theme_id))
    record_event("flash_subscriptions", user, themes=sorted(wanted))
    db.session.commit()


def _serializer() -> URLSafeSerializer:
    """Signs unsubscribe links with the application's secret key."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def _address_mark(user: User) -> str:
    """A keyed digest of the account's address (the token is read in addresses and logs: not the address itself)."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"{UNSUBSCRIBE_SALT}:{user.email}".encode(),
                    hashlib.sha256).hexdigest()[:16]


def unsubscribe_token(user: User) -> str:
    """The signed token of a user's unsubscribe link (no expiry: old emails keep working), bound to the address it
    is mailed to: once an admin gives the account another address, the links in mail kept at the former one neither
    show the new address nor unsubscribe the person now behind the account."""
    return _serializer().dumps({"u": user.id, "a": _address_mark(user)})


def user_from_unsubscribe_token(token: str) -> User | None:
    """The user a genuine token names, while the account keeps the address it was made for; None for a forged,
    altered or unknown one, or one mailed to a former address. Tokens mailed before they carried the address (no
    "a") still work for an account whose address never changed (they were mailed to it); for the others, nobody can
    tell which address they were mailed to, and the page leads to the account's settings instead."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        return None
    if "a" not in payload:
        return None if _address_ever_changed(user) else user
    if not hmac.compare_digest(str(payload["a"]), _address_mark(user)):
        return None
    return user


def _address_ever_changed(user: User) -> bool:
    """Whether the account was ever given another address (by an admin, or replaced when anonymised)."""
    changes = db.session.execute(select(Event.kind, Event.data).where(
        Event.kind.in_(("user_updated", "user_anonymised")), Event.data["user_id"].as_integer() == user.id))
    return any(kind == "user_anonymised" or "email" in (data.get("changed") or ()) for kind, data in changes)


def unsubscribe_all(user: User) -> int:
    """Stop every flash info email to this user; return how many subscriptions ended."""
    subscriptions = db.session.scalars(select(ThemeSubscription).where(ThemeSubscription.user_id == user.id)).all()
    for subscription in subscriptions:
        db.session.delete(subscription)
    record_event("flash_unsubscribed", user, count=len(subscriptions))
    db.session.commit()
    return len(subscriptions)


def _email_context(article: Article, user: User) -> dict:
    """What the bulletin email template needs for one recipient (absolute links from BASE_URL)."""
    return {
        "article": article, "recipient": user, "subject": f"[Flash info] {article.title}",
        "body_text": message_as_text(article.body, current_app.config["BASE_URL"]),
        "themes": ", ".join(theme.name for theme in article.themes),
        "article_url": absolute_url("kb.article", slug=article.slug),
        "unsubscribe_url": absolute_url("flash.unsubscribe", token=unsubscribe_token(user)),
        "subscriptions_url": absolute_url("flash.subscriptions"),
        "preferences_url": absolute_url("mail.preferences"),
    }


def email_preview(article: Article, user: User) -> tuple[str, str]:
    """(subject, text) of the bulletin email as `user` would receive it."""
    context = _email_context(article, user)
    return context["subject"], render_template("emails/flash_bulletin.txt", **context)


def queue_bulletin_email(article: Article, user: User) -> None:
    """Put one recipient's email in the outbox (same transaction as their delivery row), with one-click unsubscribe."""
    context = _email_context(article, user)
    row = queue_email(to=user, kind="flash", template="flash_bulletin", subject=context["subject"], context=context,
                      dedupe_key=f"flash:{article.id}:{user.id}")
    if row is not None:
        row.headers = {**row.headers, "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def pending_bulletins() -> list[Article]:
    """Published bulletins members may read whose fan-out is not finished (one restricted to jurists waits: it
    is sent if it is opened to members again)."""
    return list(db.session.scalars(
        select(Article).join(FlashBulletin, FlashBulletin.article_id == Article.id)
        .where(Article.status == "published", Article.visibility.in_(MEMBER_ARTICLE_VISIBILITIES),
               FlashBulletin.fanout_done_at.is_(None)).order_by(Article.id)))


def deliver(article: Article, user_ids: list[int]) -> list[int]:
    """Write the delivery rows of these recipients and queue their emails; return the recipients new to this
    bulletin (the UNIQUE row decides: nobody is mailed twice, whoever runs the fan-out and however often)."""
    now = utcnow()
    new = _insert_ignoring_duplicates(
        FlashDelivery, [{"article_id": article.id, "user_id": user_id, "created_at": now} for user_id in user_ids],
        ("article_id", "user_id"))
    for user in db.session.scalars(select(User).where(User.id.in_(new)).order_by(User.id)):
        queue_bulletin_email(article, user)
    return new


def send_pending(batch_size: int = 500, after_batch: Callable[[Article, int], None] | None = None) -> int:
    """Fan out every pending bulletin in committed batches (delivery rows + outbox emails, sent by the outbox
    sender); resumable: a restart continues where it stopped."""
    total = 0
    for article in pending_bulletins():
        bulletin = get_bulletin(article)
        while True:
            user_ids = list(db.session.scalars(
                select(User.id).join(Structure, Structure.id == User.structure_id)
                .where(_audience_condition(bulletin), _subscribed_condition(article),
                       ~exists().where(FlashDelivery.article_id == article.id, FlashDelivery.user_id == User.id))
                .order_by(User.id).limit(batch_size)))
            if not user_ids:
                bulletin.fanout_done_at = utcnow()
                record_event("flash_sent", None, article_id=article.id, recipients=delivered_count(article))
                db.session.commit()
                break
            sent = deliver(article, user_ids)
            db.session.commit()
            total += len(sent)
            if after_batch:
                after_batch(article, len(sent))
    return total


def fan_out_quietly(app: Flask) -> None:
    """In a fresh app context, fan out the published bulletins and send their mail: what `flask flash send --loop`
    and the mail loop do in production, for the embedded server (`make run`) that runs neither. Errors are logged;
    the fan-out resumes at the next call."""
    with app.app_context():
        try:
            send_pending()
            sender.send_pending()
        except Exception:
            log.exception("bulletin fan-out after the response failed: `flask flash send` resumes it")
        finally:
            db.session.remove()
