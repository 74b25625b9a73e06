"""Figures and pages: matplotlib without a display, PNGs written atomically, one
self-contained HTML page with every figure embedded."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from wormgnn.files import atomic_write, atomic_write_text

plt = None


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display), imported on first use."""
    global plt
    if plt is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot

        matplotlib.pyplot.rcParams.update({"font.size": 10, "axes.titlesize": 11, "figure.dpi": 110,
                                           "axes.spines.top": False, "axes.spines.right": False})
        plt = matplotlib.pyplot
    return plt


class Figures:
    """Saves each figure as PNG and remembers it for the page."""

    def __init__(self, folder: Path):
        self.folder = folder / "figures"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.items: list[tuple[str, str, Path]] = []

    def save(self, fig, name: str, caption: str) -> None:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.replace("→", "-to-"))  # settings name datasets
        path = atomic_write(self.folder / f"{name}.png", lambda tmp: fig.savefig(tmp, bbox_inches="tight"),
                            suffix=".png")
        pyplot().close(fig)
        self.items.append((name, caption, path))


def relation_panel(fig, ax, matrix, names, title: str, unit: str, fontsize: int) -> None:
    """One i → j matrix as an image, senders as rows; masked (unmeasured) pairs grey."""
    cmap = pyplot().get_cmap("viridis").with_extremes(bad="#dddddd")
    im = ax.imshow(matrix, cmap=cmap)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(names)), names, fontsize=fontsize)
    ax.set_xlabel("target neuron j")
    ax.set_ylabel("source neuron i")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, label=unit)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:3px 8px;font-size:13px}}
figure{{margin:1.5em 0}}img{{max-width:100%}}figcaption{{font-size:13px;color:#555}}</style></head>
<body><h1>{title}</h1>
<p>{intro}</p>
{body}
<h2>Figures</h2>
{figures}
<script>
window.addEventListener('load', function () {{
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.every(function (i) {{ return i.complete && i.naturalWidth > 0; }});
  document.body.setAttribute('data-images-loaded', ok ? String(imgs.length) : 'broken');
}});
</script></body></html>
"""


def write_page(path: Path, title: str, intro: str, body: str, figs: Figures) -> Path:
    """One self-contained HTML page: the given body, then every figure embedded."""
    blocks = []
    for name, caption, png in figs.items:
        data = base64.b64encode(png.read_bytes()).decode()
        blocks.append(f'<figure id="{name}"><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                      f"<figcaption>{html.escape(caption)} (figures/{name}.png)</figcaption></figure>")
    page = PAGE.format(title=html.escape(title), intro=intro, body=body, figures="\n".join(blocks))
    atomic_write_text(path, page)
    return path
