"""The report's bar charts: what each shows (label, value, colour), drawn as PNG on the
kernel's canvas for the Word document and the preview page alike. The labels stay in the text
(a legend table under each chart); the picture carries the bars and their values."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from flask_babel import gettext as _

from compliance.raster import bar_chart_png

BLUE, LIGHT_BLUE, GREEN, ORANGE, RED, GREY = (
    "#000091",
    "#6a6af4",
    "#18753c",
    "#b34000",
    "#ce0500",
    "#666666",
)
PALETTE = (BLUE, GREEN, ORANGE, LIGHT_BLUE, RED, GREY, "#7a4e00", "#009099", "#a558a0")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str

    @property
    def fill(self) -> str:
        """The colour as a Word cell shading takes it."""
        return self.colour.lstrip("#").upper()


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    bars: tuple[Bar, ...]

    @property
    def png(self) -> bytes:
        return bar_chart_png([(b.value, b.colour, str(b.value)) for b in self.bars])

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def is_empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def activity_chart(figures: dict) -> Chart:
    return Chart(
        "activities",
        _("Registre des traitements"),
        (
            Bar(_("Traitements au registre"), figures["activities"], BLUE),
            Bar(_("Créés dans l'année"), figures["created"], LIGHT_BLUE),
            Bar(_("Validés dans l'année"), figures["validated"], GREEN),
            Bar(_("AIPD requises"), figures["dpia_required"], ORANGE),
            Bar(_("AIPD réalisées"), figures["dpia_done"], GREEN),
            Bar(_("AIPD en attente"), figures["dpia_pending"], RED),
        ),
    )


def breach_chart(figures: dict) -> Chart:
    return Chart(
        "breaches",
        _("Violations de données"),
        (
            Bar(_("Atteinte à la confidentialité"), figures["confidentiality"], BLUE),
            Bar(_("Atteinte à l'intégrité"), figures["integrity"], LIGHT_BLUE),
            Bar(_("Atteinte à la disponibilité"), figures["availability"], ORANGE),
            Bar(_("Notifiées dans les 72 heures"), figures["notified_on_time"], GREEN),
            Bar(_("Notifiées en retard"), figures["notified_late"], RED),
            Bar(_("Non notifiées"), figures["not_notified"], GREY),
            Bar(_("Communiquées aux personnes (art. 34)"), figures["communicated"], ORANGE),
        ),
    )


def rights_chart(figures: dict, labels: dict[str, str]) -> Chart:
    by_right = figures["by_right"]
    return Chart(
        "rights",
        _("Demandes d'exercice des droits, par droit"),
        tuple(
            Bar(labels.get(code, code), count, PALETTE[index % len(PALETTE)])
            for index, (code, count) in enumerate(by_right.items())
        ),
    )
