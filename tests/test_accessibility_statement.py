"""The accessibility statement: public, linked from every page's footer."""


def test_accessibility_statement_is_public_and_states_conformity(client):
    """Anyone can read the RGAA statement and its conformity level."""
    response = client.get("/accessibilite")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Déclaration d'accessibilité</h1>" in text
    assert "non conforme" in text and "RGAA" in text


def test_every_page_footer_links_to_the_accessibility_statement(client):
    """The footer of the login page (like every page) carries the legal mention and the link."""
    text = client.get("/connexion").get_data(as_text=True)
    assert '<a href="/accessibilite">Accessibilité : non conforme</a>' in text


def test_configured_contact_is_offered_on_the_login_page_and_in_the_statement(app, client):
    """A visitor without an account (or who cannot use a page) is told where to write; the address is escaped."""
    assert "mailto:" not in client.get("/connexion").get_data(as_text=True)  # none configured: no address
    app.config["CONTACT_EMAIL"] = "juridique@federation.example"
    link = '<a href="mailto:juridique@federation.example">juridique@federation.example</a>'
    login_page = client.get("/connexion").get_data(as_text=True)
    assert f"structures adhérentes : écrivez à {link}." in login_page
    assert f"de la fédération, à {link} :" in client.get("/accessibilite").get_data(as_text=True).replace("&#39;", "'")
    app.config["CONTACT_EMAIL"] = 'x"><script>alert(1)</script>'
    assert "<script>alert(1)" not in client.get("/connexion").get_data(as_text=True)
