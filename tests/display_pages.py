"""What the display tests share: real objects to display (a model, its History, an explanation, a sweep), trained
on a seeded problem, and a parser that reads a display's HTML back into tables, headings, texts and SVG paths."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np

from glassnet import L2, AdamW, Dense, Sequential
from glassnet.experiments import ModelSpec, validation_curve

LAMBDAS = [0.0, 1e-3, 1e-2, 1e-1]


def data(n: int = 160) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return x, (np.sum(x ** 2, axis=1) < 1.5).astype(np.float64)


def objects() -> dict:
    """A trained L2 model (AdamW, so the explanation has decay-vs-L2 too), its History, its explanation and a
    four-λ validation curve."""
    x, y = data()
    model = Sequential([Dense(8, activation="relu", kernel_regularizer=L2(0.01)),
                        Dense(1, activation="sigmoid", kernel_regularizer=L2(0.01))], name="circle", seed=0)
    model.compile(optimizer=AdamW(learning_rate=0.02, weight_decay=0.004), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=9, verbose=0, validation_split=0.25, seed=0)
    spec = ModelSpec(hidden=(6,), activation="relu", output_activation="sigmoid", loss="binary_crossentropy")
    results = validation_curve(spec, x, y, lambdas=LAMBDAS, cv=2, epochs=3, n_jobs=1, progress=False)
    return {"model": model, "history": history, "explanation": model.explain(x, y), "results": results}


class Display(HTMLParser):
    """A display's HTML read back: its tables (rows of cell texts, the header first, with each row's class),
    headings, paragraph and list texts, and every element with its attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.tables: list[list[list[str]]] = []
        self.row_classes: list[list[str]] = []
        self.headings: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []  # (tag, text) of p and li
        self.svg_texts: list[str] = []
        self._text: list | None = None
        self._in_table = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "table":
            self._in_table += 1
            self.tables.append([])
            self.row_classes.append([])
        elif tag == "tr" and self._in_table:
            self.tables[-1].append([])
            self.row_classes[-1].append(attrs.get("class") or "")
        elif tag in ("td", "th") and self._in_table:
            self.tables[-1][-1].append("")
        if tag in ("h3", "h4", "p", "li", "text", "td", "th"):
            self._text = [tag, ""]

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table -= 1
        if self._text is not None and tag == self._text[0]:
            kind, text = self._text
            if kind in ("h3", "h4"):
                self.headings.append((kind, text))
            elif kind in ("p", "li"):
                self.texts.append((kind, text))
            elif kind == "text":
                self.svg_texts.append(text)
            elif kind in ("td", "th"):
                self.tables[-1][-1][-1] = text
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text[1] += data

    def attributes(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements if t == tag]


def close_to(cell: str, value: float, digits: int = 6) -> bool:
    """Whether a shown number is ``value`` to the ``digits`` significant digits it is shown with."""
    shown = float(cell)
    return abs(shown - value) <= 0.5 * 10 ** (np.floor(np.log10(abs(value))) - digits + 1) if value else shown == 0
