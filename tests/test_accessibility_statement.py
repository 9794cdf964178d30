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
