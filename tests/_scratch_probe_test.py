from tests.test_security import *  # noqa

@pytest.mark.parametrize("key", page_keys())
def test_probe(key, db, app_test, downloads):
    at = run_page(app_test, db, key, "city_analyst")
    text, md, decks = rendered(at)
    print("\nPROBE", key, "B:", [n for n in B_NEEDLES if n in text], "A:", "甲县独有" in text, "XSS", XSS in text, "BOLD", BOLD in text,
          "downloads", [f for f, _ in downloads], "buttons", len(at.get("download_button")), "decks", len(decks))
