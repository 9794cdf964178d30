"""Flash info: bulletins, audience, home page until read, subscriptions, signed unsubscribe, resumable fan-out."""
import html
import json
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from helpdesk.auth.services import update_user
from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.flash import services
from helpdesk.mail import sender as mail_sender
from helpdesk.flash.services import Audience
from helpdesk.i18n import PARIS
from helpdesk.kb import indexing
from helpdesk.kb.services import import_articles, save_article
from helpdesk.models import Article, FlashBulletin, FlashDelivery, OutboxEmail, ThemeSubscription
from helpdesk.models._types import frozen_time, utcnow
from tests import factories

BODY = "Le décret n° 2026-12 précise les conditions de **renouvellement** du PASS IAE."


def write(world, audience=None, title="Décret PASS IAE publié", themes=None):
    """A draft bulletin by the world's jurist."""
    return services.save_bulletin(None, {"title": title, "summary": "Ce qui change.", "body": BODY,
                                         "themes": themes or [world.theme.slug]}, audience or Audience(), world.jurist)


def deliveries(article=None) -> list[tuple[int, int]]:
    """(article_id, user_id) of every delivery row."""
    query = select(FlashDelivery.article_id, FlashDelivery.user_id).order_by(FlashDelivery.id)
    if article is not None:
        query = query.where(FlashDelivery.article_id == article.id)
    return [tuple(row) for row in db.session.execute(query)]


@pytest.fixture
def crowd(world):
    """The world plus subscribers: the member and outsider follow the theme, the colleague does not."""
    services.set_subscriptions(world.member, [world.theme.id])
    services.set_subscriptions(world.outsider, [world.theme.id])
    return world


def test_bulletin_is_a_members_flash_article_saved_as_draft(world):
    article = write(world)
    assert (article.type, article.visibility, article.status) == ("flash", "members", "draft")
    assert article.slug == "flash-decret-pass-iae-publie"
    assert write(world, audience=Audience(all_members=False, regions=["bretagne"])).slug == \
        "flash-decret-pass-iae-publie-2", "the same text for another audience is another bulletin"


@pytest.mark.parametrize("audience, themes, message", [
    (Audience(all_members=False), None, "au moins un type"),
    (Audience(all_members=False, regions=["atlantide"]), None, "La région choisie pour public n.existe pas."),
    (Audience(all_members=False, structure_types=["XYZ"]), None, "Le type de structure choisi pour public n.existe pas."),
    (Audience(), [], "au moins un thème"),
])
def test_bad_bulletin_is_refused_and_nothing_saved(world, audience, themes, message):
    with pytest.raises(InvalidInput, match=message):
        services.save_bulletin(None, {"title": "Titre", "body": BODY, "themes": themes if themes is not None
                                      else [world.theme.slug]}, audience, world.jurist)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0


def test_members_cannot_write_bulletins(world):
    with pytest.raises(Forbidden):
        services.save_bulletin(None, {"title": "Titre", "body": BODY, "themes": [world.theme.slug]}, Audience(),
                               world.member)


def test_audience_targets_structure_types_and_regions(crowd):
    occitan_ai = write(crowd, Audience(all_members=False, structure_types=["AI"], regions=["occitanie"]))
    bretons = write(crowd, Audience(all_members=False, regions=["bretagne"]))
    for article in (occitan_ai, bretons):
        services.publish_bulletin(article, crowd.jurist)
    assert services.unread_bulletins(crowd.outsider) == [occitan_ai]
    assert services.unread_bulletins(crowd.member) == [bretons]
    assert services.audience_size(services.get_bulletin(bretons)) == (2, 1)
    services.send_pending()
    assert set(deliveries()) == {(occitan_ai.id, crowd.outsider.id), (bretons.id, crowd.member.id)}


def test_published_bulletin_stays_on_home_page_until_read(client, crowd, login):
    article = write(crowd)
    login(crowd.member)
    assert "Décret PASS IAE publié" not in client.get("/questions/").get_data(as_text=True), "drafts are not shown"
    services.publish_bulletin(article, crowd.jurist)
    assert "Décret PASS IAE publié" in client.get("/questions/").get_data(as_text=True)
    home = client.get("/questions/").get_data(as_text=True)
    assert f'<form method="post" action="/flash/{article.slug}/lire"' in home, "the title opens it through a form"
    response = client.post(f"/flash/{article.slug}/lire")
    assert response.headers["Location"] == f"/ressources/{article.slug}"
    assert "Décret PASS IAE publié" not in client.get("/questions/").get_data(as_text=True)
    login(crowd.colleague)
    assert "Décret PASS IAE publié" in client.get("/questions/").get_data(as_text=True), "receipts are per user"
    dismissed = client.post(f"/flash/{article.slug}/lu", follow_redirects=True).get_data(as_text=True)
    assert "flash info marqué comme lu" in dismissed
    assert "Décret PASS IAE publié" not in client.get("/questions/").get_data(as_text=True)


def test_a_bulletins_page_gives_the_date_the_home_page_gives_it(client, crowd, login):
    """A bulletin written with the flash form has no « à jour au » date: its page, opened from the home page or a mail,
    gave no date at all; it now says when it was published, the date the home page shows."""
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    login(crowd.member)
    date = re.search(r'<span class="hint flash-date">([^<]+)</span>', client.get("/questions/").get_data(as_text=True))[1]
    page = html.unescape(client.post(f"/flash/{article.slug}/lire", follow_redirects=True).get_data(as_text=True))
    assert f"Flash info · publié le {date}" in page


def test_the_resource_list_gives_a_resource_the_date_its_page_gives(client, crowd, login):
    """The search list said « à jour au » with a bulletin's last edit date while its page says « publié le » with its
    publication date: the list now says what the page says, and keeps « à jour au » for a resource that has it."""
    bulletin = write(crowd)
    services.publish_bulletin(bulletin, crowd.jurist)
    import_articles([json.dumps({"slug": "cddi-a-jour", "title": "Renouvellement du CDDI", "body": "Le CDDI.",
                                 "visibility": "members", "status": "published", "updated_on": "2026-03-02"})])
    indexing.sync()
    login(crowd.member)
    page = html.unescape(client.get(f"/ressources/{bulletin.slug}").get_data(as_text=True))
    dated = re.search(r"Flash info · publié le [^\n<]+", page)[0]
    listed = html.unescape(client.get("/ressources/", query_string={"type": "flash"}).get_data(as_text=True))
    assert dated in listed and "à jour au" not in listed
    listed = html.unescape(client.get("/ressources/", query_string={"q": "CDDI"}).get_data(as_text=True))
    assert "à jour au 2 mars 2026" in listed and "publié le" not in listed
    assert "à jour au 2 mars 2026" in html.unescape(client.get("/ressources/cddi-a-jour").get_data(as_text=True))


def dated_resources(world) -> dict[str, str]:
    """Three indexed resources on the PASS IAE and the day each list shows (ISO, Paris time) by slug: a bulletin
    published 3 days ago, a fiche published 40 days ago and corrected today « à jour au » 10 days ago, and one
    published 30 days ago and corrected today."""
    now = utcnow()
    with frozen_time(now - timedelta(days=3)):
        bulletin = write(world)
        services.publish_bulletin(bulletin, world.jurist)
    up_to_date = (now.astimezone(PARIS) - timedelta(days=10)).date().isoformat()
    fiches = {"pass-a-jour": (40, {"updated_on": up_to_date}), "pass-corrige": (30, {})}
    for slug, (age, extra) in fiches.items():
        fiche = {"slug": slug, "title": f"Le PASS IAE ({slug})", "visibility": "members", "status": "published"}
        with frozen_time(now - timedelta(days=age)):
            assert not import_articles([json.dumps({**fiche, "body": "Le PASS IAE en pratique."})]).errors
        assert not import_articles([json.dumps({**fiche, **extra, "body": "Le PASS IAE en pratique, corrigé."})]).errors
    indexing.sync()
    return {bulletin.slug: (now - timedelta(days=3)).astimezone(PARIS).date().isoformat(), "pass-a-jour": up_to_date,
            "pass-corrige": (now - timedelta(days=30)).astimezone(PARIS).date().isoformat()}


def test_sorting_resources_by_date_follows_the_date_the_list_shows(client, crowd, login):
    """« Tri : Date » put a fiche published a month ago and corrected today before the flash info of the week, by its
    last edit, while the list said « publié le » a month ago: the sort now follows the dates the list shows (« à jour
    au », else the publication)."""
    days = dated_resources(crowd)
    login(crowd.member)
    page = client.get("/ressources/", query_string={"q": "PASS IAE", "tri": "date"}).get_data(as_text=True)
    listed = sorted(days, key=lambda slug: page.index(f'/ressources/{slug}"'))
    assert listed == sorted(days, key=days.get, reverse=True) == [next(iter(days)), "pass-a-jour", "pass-corrige"]


def test_a_link_from_another_site_does_not_mark_a_bulletin_read(client, crowd, login):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    login(crowd.member)
    assert client.get(f"/flash/{article.slug}/lire").status_code == 405
    assert services.unread_bulletins(crowd.member) == [article]


def test_only_subscribers_in_the_audience_are_sent_the_bulletin_once(crowd):
    article = write(crowd)
    assert services.send_pending() == 0, "a draft is not sent"
    services.publish_bulletin(article, crowd.jurist)
    assert services.send_pending() == 2
    assert sorted(user for _, user in deliveries(article)) == sorted([crowd.member.id, crowd.outsider.id])
    assert services.send_pending() == 0 and len(deliveries(article)) == 2
    assert services.get_bulletin(article).fanout_done_at is not None


def test_bulletin_is_not_sent_twice_when_the_sender_is_restarted_mid_send(crowd):
    extra = [factories.make_user("member", crowd.structure) for _ in range(5)]
    for user in extra:
        services.set_subscriptions(user, [crowd.theme.id])
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)

    class Crash(Exception):
        pass

    def crash_after_first_batch(article, count):
        raise Crash

    with pytest.raises(Crash):
        services.send_pending(batch_size=3, after_batch=crash_after_first_batch)
    db.session.rollback()
    assert len(deliveries(article)) == 3
    assert services.get_bulletin(article).fanout_done_at is None
    assert len(outbox(article)) == 3, "each committed batch holds its emails"
    assert services.send_pending(batch_size=3) == 4
    rows = deliveries(article)
    assert len(rows) == len(set(rows)) == 7
    assert services.send_pending(batch_size=3) == 0 and len(deliveries(article)) == 7
    addresses = [mail.to_address for mail in outbox(article)]
    assert len(addresses) == len(set(addresses)) == 7


def test_two_senders_on_the_same_recipients_never_duplicate(crowd):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    first = services.deliver(article, [crowd.member.id])
    second = services.deliver(article, [crowd.member.id, crowd.outsider.id])
    db.session.commit()
    assert first == [crowd.member.id] and second == [crowd.outsider.id]
    assert len(deliveries(article)) == 2 and len(outbox(article)) == 2


def test_published_bulletin_can_no_longer_be_edited(crowd):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    with pytest.raises(InvalidInput, match="ne se modifie plus"):
        services.save_bulletin(article, {"title": "Autre", "body": BODY, "themes": [crowd.theme.slug]}, Audience(),
                               crowd.jurist)


def test_a_mailed_bulletin_cannot_go_back_to_draft_to_be_rewritten(client, crowd, login):
    """The resources' status form offered « Repasser en brouillon » on a published bulletin: rewritten, then
    published again, it told members on their home page something else than the mail they had read."""
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    assert services.send_pending() == 2
    login(crowd.jurist)
    page = client.get(f"/ressources/{article.slug}").get_data(as_text=True)
    assert 'value="draft"' not in page and 'value="archived"' in page
    page = client.post(f"/ressources/{article.slug}/statut", data={"status": "draft"},
                       follow_redirects=True).get_data(as_text=True)
    assert "ne repasse pas en brouillon : les membres ont reçu son texte par courriel" in html.unescape(page)
    db.session.expire_all()
    assert article.status == "published"
    client.post(f"/ressources/{article.slug}/statut", data={"status": "archived"})
    client.post(f"/ressources/{article.slug}/statut", data={"status": "draft"})
    db.session.expire_all()
    assert article.status == "archived", "nor through the archive"
    client.post(f"/ressources/{article.slug}/statut", data={"status": "published"})
    db.session.expire_all()
    assert article.status == "published", "an archived bulletin shows again, unchanged, mailed to nobody new"
    assert services.send_pending() == 0


def test_a_bulletin_is_first_published_from_its_preview_only(client, crowd, login):
    """The resources' status form published a draft bulletin, mailed to its audience, without the preview showing
    whom (nor the guard of the preview's button). The draft's page leads to that preview instead."""
    article = write(crowd)
    login(crowd.jurist)
    page = client.get(f"/ressources/{article.slug}").get_data(as_text=True)
    assert 'value="published"' not in page
    assert f'<a class="button" href="/flash/{article.slug}/apercu">Aperçu et publication</a>' in page
    page = client.post(f"/ressources/{article.slug}/statut", data={"status": "published"},
                       follow_redirects=True).get_data(as_text=True)
    assert "se publie depuis son aperçu" in html.unescape(page)
    db.session.expire_all()
    assert article.status == "draft" and services.send_pending() == 0
    client.post(f"/ressources/{article.slug}/statut", data={"status": "archived"})
    client.post(f"/ressources/{article.slug}/statut", data={"status": "published"})
    db.session.expire_all()
    assert article.status == "archived" and services.send_pending() == 0, "nor through the archive"
    assert client.post(f"/flash/{article.slug}/publier").status_code == 302
    db.session.expire_all()
    assert article.status == "published" and services.send_pending() == 2
    assert "Aperçu et publication" not in client.get(f"/ressources/{article.slug}").get_data(as_text=True)


def test_member_manages_subscriptions_on_their_account(client, world, login):
    other = factories.make_theme(name="Activité partielle", slug="activite-partielle")
    login(world.member)
    client.post("/flash/abonnements", data={"themes": [str(world.theme.id), str(other.id)]})
    assert services.subscribed_theme_ids(world.member) == {world.theme.id, other.id}
    page = client.get("/flash/abonnements").get_data(as_text=True)
    assert f'value="{other.id}" checked' in page
    client.post("/flash/abonnements", data={"themes": [str(other.id)]})
    assert services.subscribed_theme_ids(world.member) == {other.id}
    response = client.post("/flash/abonnements", data={"themes": ["999999"]})
    assert response.status_code == 400 and services.subscribed_theme_ids(world.member) == {other.id}


def test_saving_subscriptions_without_a_theme_says_no_flash_info_will_come_by_email(client, world, login):
    """Every bulletin has a theme, so no theme ticked means no flash info email at all: the banner says so (it only
    said « vos abonnements sont enregistrés »), and where bulletins still show; with a theme it stays short."""
    login(world.member)
    client.post("/flash/abonnements", data={"themes": [str(world.theme.id)]})
    page = html.unescape(client.post("/flash/abonnements", data={}, follow_redirects=True).get_data(as_text=True))
    assert services.subscribed_theme_ids(world.member) == set()
    assert ("vous ne recevrez aucun flash info par courriel, faute de thème choisi. Ceux qui vous concernent "
            "s'affichent toujours sur votre accueil et dans les ressources.") in page
    page = client.post("/flash/abonnements", data={"themes": [str(world.theme.id)]},
                       follow_redirects=True).get_data(as_text=True)
    assert "vos abonnements sont enregistrés." in page and "aucun flash info" not in page
    response = client.post("/flash/abonnements", data={"themes": ["999999"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "aucun flash info" not in page
    assert services.subscribed_theme_ids(world.member) == {world.theme.id}


def test_a_member_opening_the_flash_address_reads_flash_info_among_the_resources(client, world, login):
    """/flash/ is the jurists' list: a member who opens it was refused (« Accès refusé »); they now land on the
    resources filtered to flash info, newest first, which lists the bulletins published for them."""
    article = write(world)
    services.publish_bulletin(article, world.jurist)
    indexing.sync()
    login(world.member)
    response = client.get("/flash/")
    assert response.status_code == 302 and response.headers["Location"] == "/ressources/?type=flash&tri=date"
    assert article.title in client.get(response.headers["Location"]).get_data(as_text=True)
    login(world.jurist)
    page = client.get("/flash/").get_data(as_text=True)
    assert "Accès refusé" not in page and f"/flash/{article.slug}/apercu" in page
    client.post("/deconnexion")
    assert client.get("/flash/").headers["Location"].startswith("/connexion")


def outbox(article=None) -> list[OutboxEmail]:
    """The bulletin emails in the outbox."""
    query = select(OutboxEmail).where(OutboxEmail.kind == "flash").order_by(OutboxEmail.id)
    if article is not None:
        query = query.where(OutboxEmail.dedupe_key.like(f"flash:{article.id}:%"))
    return list(db.session.scalars(query))


def test_fan_out_queues_one_email_per_recipient_with_an_unsubscribe_link(crowd):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    services.send_pending()
    mails = outbox(article)
    assert sorted(mail.to_address for mail in mails) == sorted([crowd.member.email, crowd.outsider.email])
    mail = next(mail for mail in mails if mail.to_address == crowd.member.email)
    assert mail.subject == "[Flash info] Décret PASS IAE publié" and "renouvellement" in mail.text_body
    unsubscribe = mail.headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://helpdesk.example.test/flash/desabonnement/")
    assert unsubscribe in mail.text_body and unsubscribe in mail.html_body
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mail_sender.send_pending()
    db.session.expire_all()
    assert {mail.status for mail in outbox(article)} == {"sent"}


def test_text_email_reads_cleanly_and_keeps_link_addresses(crowd):
    """The text version had stray spaces where bold marks were (« de  renouvellement  du ») and lost link addresses;
    the HTML version kept links to the site relative, which a mail client cannot open."""
    article = services.save_bulletin(None, {
        "title": "Décret publié", "summary": "Ce qui change.", "themes": [crowd.theme.slug],
        "body": BODY + " Voir [le décret](https://www.legifrance.gouv.fr/jorf/id/X) et [notre fiche](/ressources/cddi)."},
        Audience(), crowd.jurist)
    services.publish_bulletin(article, crowd.jurist)
    services.send_pending()
    mail = next(mail for mail in outbox(article) if mail.to_address == crowd.member.email)
    assert "les conditions de renouvellement du PASS IAE." in mail.text_body
    assert "le décret (https://www.legifrance.gouv.fr/jorf/id/X)" in mail.text_body
    assert "notre fiche (https://helpdesk.example.test/ressources/cddi)" in mail.text_body
    assert 'href="https://helpdesk.example.test/ressources/cddi"' in mail.html_body  # a relative link is dead in mail


def test_unsubscribe_link_works_without_login(client, crowd):
    services.publish_bulletin(write(crowd), crowd.jurist)
    services.send_pending()
    mail = next(mail for mail in outbox() if mail.to_address == crowd.member.email)
    path = mail.headers["List-Unsubscribe"].strip("<>").removeprefix("https://helpdesk.example.test")
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Me désabonner" in confirm.get_data(as_text=True)
    assert services.subscribed_theme_ids(crowd.member) == {crowd.theme.id}, "GET only asks (mail scanners follow links)"
    done = client.post(path)
    assert "ne recevra plus de flash info" in done.get_data(as_text=True)
    assert services.subscribed_theme_ids(crowd.member) == set()
    assert services.subscribed_theme_ids(crowd.outsider) == {crowd.theme.id}
    services.publish_bulletin(write(crowd, title="Second flash"), crowd.jurist)
    services.send_pending()
    assert [mail.to_address for mail in outbox() if "Second" in mail.subject] == [crowd.outsider.email]


@pytest.mark.parametrize("tamper", ["other-user", "flipped", "unsigned", "other-key"])
def test_unsubscribe_links_cannot_be_forged(app, client, crowd, tamper):
    genuine = services.unsubscribe_token(crowd.member)
    token = {
        "other-user": genuine.replace(genuine.split(".")[0], URLSafeSerializer("x").dumps({"u": crowd.outsider.id}).split(".")[0]),
        "flipped": genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),
        "unsigned": URLSafeSerializer("x").dumps({"u": crowd.outsider.id}).split(".")[0],
        "other-key": URLSafeSerializer("une-autre-cle", salt=services.UNSUBSCRIBE_SALT).dumps({"u": crowd.outsider.id}),
    }[tamper]
    assert client.get(f"/flash/desabonnement/{token}").status_code == 404
    response = client.post(f"/flash/desabonnement/{token}")
    assert response.status_code == 404 and "pas valide" in response.get_data(as_text=True)
    assert services.subscribed_theme_ids(crowd.outsider) == {crowd.theme.id}
    assert services.subscribed_theme_ids(crowd.member) == {crowd.theme.id}


def test_an_unsubscribe_link_mailed_to_a_former_address_stops_working(client, crowd):
    """An admin gave the account another address (another person may be behind it now): the link kept in mail at the
    former address shows the account's new address to nobody and unsubscribes nobody; a link made since works."""
    former = services.unsubscribe_token(crowd.member)
    update_user(crowd.member, crowd.admin, email="nouvelle.adresse@exemple.test", name=crowd.member.name,
                role="member", structure_id=crowd.member.structure_id)
    for response in (client.get(f"/flash/desabonnement/{former}"), client.post(f"/flash/desabonnement/{former}")):
        assert response.status_code == 404 and "nouvelle.adresse" not in response.get_data(as_text=True)
    assert services.subscribed_theme_ids(crowd.member) == {crowd.theme.id}
    page = client.get(f"/flash/desabonnement/{services.unsubscribe_token(crowd.member)}")
    assert page.status_code == 200 and "nouvelle.adresse@exemple.test" in page.get_data(as_text=True)


def _legacy_unsubscribe_token(user) -> str:
    """An unsubscribe token as mailed before tokens carried the address (the user id alone, signed)."""
    return services._serializer().dumps({"u": user.id})


def test_an_unsubscribe_link_mailed_before_links_carried_the_address_still_works(client, crowd):
    """Bulletins already mailed keep their links: the account never changed address, so it is the one they reached."""
    legacy = f"/flash/desabonnement/{_legacy_unsubscribe_token(crowd.member)}"
    confirm = client.get(legacy)
    assert confirm.status_code == 200 and crowd.member.email in confirm.get_data(as_text=True)
    assert "ne recevra plus de flash info" in client.post(legacy).get_data(as_text=True)
    assert services.subscribed_theme_ids(crowd.member) == set()
    assert services.subscribed_theme_ids(crowd.outsider) == {crowd.theme.id}


def test_an_old_unsubscribe_link_of_an_account_whose_address_changed_leads_to_its_settings(client, crowd):
    """Nobody can tell which address an old link was mailed to once the address changed: it unsubscribes nobody, shows
    no address, and the page leads to the account's settings after login."""
    legacy = f"/flash/desabonnement/{_legacy_unsubscribe_token(crowd.member)}"
    update_user(crowd.member, crowd.admin, email="nouvelle.adresse@exemple.test", name=crowd.member.name,
                role="member", structure_id=crowd.member.structure_id)
    for response in (client.get(legacy), client.post(legacy)):
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and "nouvelle.adresse" not in page and "Gérer mes abonnements" in page
    assert services.subscribed_theme_ids(crowd.member) == {crowd.theme.id}
    assert client.get("/flash/abonnements").headers["Location"].startswith("/connexion")


def test_a_name_change_keeps_old_unsubscribe_links_working(client, crowd):
    update_user(crowd.member, crowd.admin, email=crowd.member.email, name="Nom changé", role="member",
                structure_id=crowd.member.structure_id)
    assert client.post(f"/flash/desabonnement/{_legacy_unsubscribe_token(crowd.member)}").status_code == 200
    assert services.subscribed_theme_ids(crowd.member) == set()


def test_every_multiple_choice_of_the_bulletin_form_is_a_group_of_check_boxes(client, crowd, login):
    """The themes, types and regions were multiple selects (Ctrl or Cmd to choose several, a click alone replaced the
    choice): they are check boxes under their legend, the hint tied to the group, several of them sent and kept."""
    login(crowd.jurist)
    page = client.get("/flash/nouveau").get_data(as_text=True)
    for name, legend, hint in (("themes", "Thèmes", True), ("structure_types", "Types de structure (public ciblé)", False),
                               ("regions", "Régions (public ciblé)", True)):
        group = re.search(rf'<fieldset class="checkboxes"([^>]*)>\s*<legend>{re.escape(legend)}</legend>.*?</fieldset>',
                          page, re.S)
        assert f'id="{name}-0" name="{name}" type="checkbox"' in group.group(0)
        assert (f'aria-describedby="{name}-hint"' in group.group(1)) is hint
    assert re.search(r"<select[^>]* multiple", page) is None and "Ctrl ou Cmd" not in page
    client.post("/flash/nouveau", data={
        "title": "Clause sociale obligatoire", "summary": "", "body": BODY, "themes": [crowd.theme.slug],
        "audience": "targeted", "structure_types": ["AI", "ETTI"], "regions": ["bretagne", "normandie"]})
    bulletin = db.session.scalar(select(FlashBulletin))
    assert bulletin.structure_types == ["AI", "ETTI"] and bulletin.regions == ["bretagne", "normandie"]


def test_jurist_writes_previews_and_publishes_through_the_pages(app, client, crowd, login):
    login(crowd.jurist)
    response = client.post("/flash/nouveau", data={
        "title": "Clause sociale obligatoire", "summary": "Au 1er janvier.", "body": BODY,
        "themes": [crowd.theme.slug], "audience": "targeted", "regions": ["bretagne"]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Aperçu du flash info" in page and "[Flash info] Clause sociale obligatoire" in page
    assert "1 membre le verra" not in page and "2 membres le verront sur leur page d'accueil" in page
    assert "1 abonné le recevra par courriel." in page, "one subscriber, in the singular (it read « abonné(s) »)"
    slug = db.session.scalar(select(Article.slug))
    app.config["MAIL_SEND_AFTER_REQUEST"] = False  # production: the loops fan out and send
    page = client.post(f"/flash/{slug}/publier", follow_redirects=True).get_data(as_text=True)
    assert "envoi à 1 abonné se fait en arrière-plan" in page
    assert deliveries() == [], "publishing does not send in the request"


def test_a_theme_posted_twice_is_kept_once_on_a_bulletin(client, crowd, login):
    login(crowd.jurist)
    response = client.post("/flash/nouveau", data={
        "title": "Clause sociale obligatoire", "summary": "Au 1er janvier.", "body": BODY,
        "themes": [crowd.theme.slug, crowd.theme.slug], "audience": "targeted", "regions": ["bretagne"]})
    assert response.status_code == 302
    assert [theme.slug for theme in db.session.scalar(select(Article)).themes] == [crowd.theme.slug]


def test_without_background_loops_a_published_bulletin_is_mailed_once_the_response_is_delivered(app, client, crowd,
                                                                                                 login):
    article = write(crowd)
    login(crowd.jurist)
    response = client.post(f"/flash/{article.slug}/publier")
    assert response.status_code == 302
    response.close()
    db.session.expire_all()
    assert len(deliveries(article)) == 2
    assert db.session.scalars(select(OutboxEmail.status).where(OutboxEmail.kind == "flash")).all() == ["sent", "sent"]


def test_flash_send_command_fans_out(runner, crowd):
    services.publish_bulletin(write(crowd), crowd.jurist)
    result = runner.invoke(args=["flash", "send", "--batch-size", "1"])
    assert result.exit_code == 0 and "2 nouveau(x) destinataire(s)" in result.output
    assert len(deliveries()) == 2


@pytest.mark.parametrize("method, url", [("GET", "/flash/nouveau"), ("POST", "/flash/nouveau"),
                                         ("GET", "/flash/{slug}/apercu"), ("POST", "/flash/{slug}/publier"),
                                         ("GET", "/flash/{slug}/modifier")])
def test_flash_writing_is_for_jurists(client, crowd, login, method, url):
    article = write(crowd)
    login(crowd.member)
    assert client.open(url.format(slug=article.slug), method=method, data={"title": "x"}).status_code == 403
    db.session.refresh(article)
    assert article.status == "draft"


def test_staff_have_no_subscriptions_page_and_subscriptions_refuse_staff(client, world, login):
    login(world.jurist)
    assert client.get("/flash/abonnements").status_code == 403
    with pytest.raises(Forbidden):
        services.set_subscriptions(world.jurist, [world.theme.id])
    assert db.session.scalar(select(func.count()).select_from(ThemeSubscription)) == 0


def restrict_to_jurists(client, login, world, article, visibility="jurists"):
    """A published bulletin's visibility changed behind the flash pages (the resource editor no longer allows it;
    data imported or edited before it did)."""
    article.visibility = visibility
    db.session.commit()


def test_bulletin_made_jurists_only_after_publication_reaches_no_member(client, runner, crowd, login):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    restrict_to_jurists(client, login, crowd, article)
    assert (article.visibility, article.status) == ("jurists", "published")
    login(crowd.member)
    page = client.get("/questions/").get_data(as_text=True)
    assert "Décret PASS IAE publié" not in page and "Ce qui change." not in page
    assert client.get(f"/ressources/{article.slug}").status_code == 404
    assert services.unread_bulletins(crowd.member) == []
    result = runner.invoke(args=["flash", "send"])
    assert result.exit_code == 0
    assert deliveries() == [] and outbox() == [], "no member is mailed a jurists-only bulletin"


def test_bulletin_opened_to_members_again_is_sent_then(client, crowd, login):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    restrict_to_jurists(client, login, crowd, article)
    assert services.send_pending() == 0
    restrict_to_jurists(client, login, crowd, article, visibility="members")
    assert services.unread_bulletins(crowd.member) == [article]
    assert services.send_pending() == 2


def test_bulletin_page_links_its_edit_button_to_the_flash_editor(client, crowd, login):
    article = write(crowd)
    login(crowd.jurist)
    page = client.get(f"/ressources/{article.slug}").get_data(as_text=True)
    assert f'href="/flash/{article.slug}/modifier"' in page


def test_imported_flash_without_audience_offers_no_dead_edit_link(client, crowd, login):
    """A flash info from the starter content has no bulletin: its « Modifier » led to a 404."""
    import_articles([json.dumps({"slug": "flash-importe", "title": "Flash importé", "body": BODY, "type": "flash",
                                 "visibility": "members", "status": "published"})])
    login(crowd.jurist)
    page = client.get("/ressources/flash-importe").get_data(as_text=True)
    assert "/modifier" not in page
    assert "provient d'un import de ressources : il se modifie dans son fichier d'import" in page
    response = client.get("/ressources/flash-importe/modifier", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/ressources/flash-importe"
    assert "il se modifie dans son fichier d&#39;import" in response.get_data(as_text=True)  # the flashed message


def test_the_resource_editor_neither_writes_nor_edits_a_bulletin(client, crowd, login):
    article = write(crowd)
    services.publish_bulletin(article, crowd.jurist)
    login(crowd.jurist)
    response = client.get(f"/ressources/{article.slug}/modifier")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/flash/{article.slug}/modifier")
    response = client.post(f"/ressources/{article.slug}/modifier", data={
        "slug": article.slug, "title": "Titre changé", "body": BODY, "type": "decryptage", "visibility": "public"})
    db.session.expire_all()
    assert response.status_code == 302 and article.title == "Décret PASS IAE publié" and article.type == "flash"
    page = client.post("/ressources/nouvelle", data={"title": "Faux flash", "body": BODY, "type": "flash",
                                                     "visibility": "members"}).get_data(as_text=True)
    assert db.session.scalar(select(Article.id).where(Article.title == "Faux flash")) is None
    assert "Faux flash" in page  # the form comes back with its error
    with pytest.raises(InvalidInput, match="depuis la page « Flash info »"):
        save_article(article, {"slug": article.slug, "title": "Titre", "body": BODY, "type": "flash"}, crowd.jurist)


def test_a_title_typed_with_line_breaks_writes_no_line_of_its_own_in_the_bulletins_mail(world):
    """A title is shown on one line: a line break forged into it (the form's box has none) gave the mailed text a
    line of its own under the title (« Bcc: … » read as a header by whoever skims it), unlike a question's subject."""
    bulletin = services.save_bulletin(None, {"title": "Réforme de l'IAE\r\nBcc: tous@exemple.test", "summary": "",
                                             "body": "Texte", "themes": [world.theme.slug]}, Audience(), world.jurist)
    subject, text = services.email_preview(bulletin, world.member)
    assert bulletin.title == "Réforme de l'IAE Bcc: tous@exemple.test"
    assert "\nBcc:" not in text and "Réforme de l'IAE Bcc: tous@exemple.test" in text
    article = save_article(None, {"slug": "decret", "title": "Décret\n\nn° 2026-1", "body": "Texte"}, world.jurist)
    assert article.title == "Décret n° 2026-1"
