"""Figures written whole and a page that embeds them."""

from wormgnn.figures import Figures, pyplot, write_page


def test_a_saved_figure_is_a_png_and_the_page_embeds_it(tmp_path):
    figs = Figures(tmp_path)
    fig, ax = pyplot().subplots()
    ax.plot([0, 1], [1, 0])
    figs.save(fig, "line", "A falling line.")
    png = tmp_path / "figures" / "line.png"
    assert png.read_bytes().startswith(b"\x89PNG") and not list((tmp_path / "figures").glob(".*"))
    page = write_page(tmp_path / "page.html", "title <x>", "intro", "<p>body</p>", figs).read_text()
    assert 'id="line"' in page and "data:image/png;base64," in page and "title &lt;x&gt;" in page
