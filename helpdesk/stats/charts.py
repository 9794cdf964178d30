"""Charts drawn on the server as SVG with pygal (no JavaScript), from small labelled series."""
from dataclasses import dataclass

import pygal
from babel.numbers import format_decimal
from pygal.style import Style

from helpdesk.i18n import DEFAULT_LOCALE
from helpdesk.translation import current_locale, gettext as _

KINDS = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line}
# Dark, distinguishable colours (WCAG AA contrast against white), in the stylesheet's palette.
PALETTE = ("#0b4f9c", "#a4161a", "#1d6b34", "#8a4b00", "#6b2c91", "#4a5360")
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1b1f24", foreground_strong="#1b1f24",
    foreground_subtle="#4a5360", colors=PALETTE, opacity="0.9", opacity_hover="1", font_family="system-ui, sans-serif",
    title_font_size=18, label_font_size=13, major_label_font_size=13, legend_font_size=13, value_font_size=12,
)


def format_number(value: float | int | None, decimals: int = 1) -> str:
    """A figure in the reader's language ('1 234', '12,5' in French; '1,234', '12.5' in English), '—' for none."""
    if value is None:
        return "—"
    locale = current_locale() or DEFAULT_LOCALE
    if isinstance(value, int) or float(value).is_integer() and decimals == 0:
        return format_decimal(int(value), "#,##0", locale=locale)
    return format_decimal(value, "#,##0." + "0" * decimals, locale=locale)


def _without_scripts(root):
    """pygal always embeds a configuration <script> for its optional tooltips: charts carry no script at all."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


@dataclass(frozen=True)
class Chart:
    """A chart's data: labels on one axis, one or more named series of values, and how to read them."""

    name: str
    title: str
    kind: str
    labels: list[str]
    series: list[tuple[str, list]]
    unit: str
    axis: str
    axis_labels: list[str] | None = None

    def __post_init__(self):
        """Every label as a plain string: pygal serialises them to JSON, which lazy translations (structure types,
        series names) are not."""
        object.__setattr__(self, "title", str(self.title))
        object.__setattr__(self, "axis", str(self.axis))
        object.__setattr__(self, "labels", [str(label) for label in self.labels])
        object.__setattr__(self, "series", [(str(name), values) for name, values in self.series])
        if self.axis_labels is not None:
            object.__setattr__(self, "axis_labels", [str(label) for label in self.axis_labels])

    @property
    def is_empty(self) -> bool:
        """No value to draw."""
        return not any(value for _, values in self.series for value in values)

    @property
    def description(self) -> str:
        """A sentence summarising the chart for people who do not see it."""
        if self.is_empty:
            return _("%(title)s : aucune donnée sur la période.", title=self.title)
        parts = []
        for name, values in self.series:
            known = [(value, label) for value, label in zip(values, self.labels) if value is not None]
            if not known:  # e.g. resolution times of a month whose questions are answered but none resolved yet
                parts.append(_("%(series)s : aucune donnée", series=name))
                continue
            highest, where = max(known, key=lambda item: item[0])
            if not highest and self.unit == "questions":  # no label stands out: none is « the maximum »
                parts.append(_("%(series)s : aucune question", series=name))
                continue
            parts.append(_("%(series)s : maximum %(value)s %(unit)s (%(where)s)", series=name, value=self.format_value(highest),
                           unit=_("questions") if self.unit == "questions" else self.unit, where=where))
        return _("%(title)s, %(count)d valeurs. %(details)s.", title=self.title, count=len(self.labels),
                 details=" ; ".join(parts))

    def format_value(self, value) -> str:
        """A value of this chart: counts without decimals, durations with one."""
        return format_number(value, 0 if self.unit == "questions" else 1)

    def svg(self) -> bytes:
        """The chart as a standalone SVG document without script."""
        horizontal = self.kind == "hbar"
        rows = len(self.labels) * (len(self.series) if horizontal else 1)
        chart = KINDS[self.kind](
            js=[], style=STYLE, width=900, height=max(380, 120 + 26 * rows) if horizontal else 420,
            title=self.title, show_legend=len(self.series) > 1, legend_at_bottom=True, legend_at_bottom_columns=2,
            x_label_rotation=0 if horizontal or len(self.labels) <= 6 else 40, truncate_label=40,
            value_formatter=self.format_value, no_data_text=_("Aucune donnée"), show_y_guides=True, show_x_guides=False,
            margin=16, print_values=False, dots_size=3, include_x_axis=True, stroke_style={"width": 2.5},
        )
        chart.add_xml_filter(_without_scripts)
        chart.x_labels = self.axis_labels or self.labels
        for name, values in self.series:
            chart.add(name, values)
        return chart.render()
