"""Results of a wave for the dashboard, the exports and the PDF report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from samverkan.core import exporting
from samverkan.surveys import selectors
from samverkan.surveys.analysis import Indicator, Inputs, Results, analyse_languages
from samverkan.surveys.charts import Bar, bar_chart
from samverkan.surveys.models import Wave
from samverkan.surveys.strata import municipality_value, participants


def wave_results(*, wave: Wave, language: str = "sv") -> Results:
    """The published results of a closed wave in one language."""
    language = "en" if language.startswith("en") else "sv"
    return wave_results_in(wave=wave, languages=[language])[language]


def wave_results_in(*, wave: Wave, languages: Sequence[str]) -> dict[str, Results]:
    """The published results in several languages from one run of the attacker check,
    so that every language publishes the same figures."""
    from samverkan.surveys.publishing import comparable_previous
    from samverkan.surveys.rendering import wave_questionnaire

    # The questions as the respondents read them: "{period}" is the wave's period.
    questionnaire = wave_questionnaire(wave)
    invited, responded = selectors.strata_counts(wave=wave)
    previous = None
    earlier = comparable_previous(wave)
    if earlier is not None:
        previous = (
            wave_questionnaire(earlier),
            selectors.answers(wave=earlier),
        )
    inputs = Inputs(
        questionnaire=questionnaire,
        answers=selectors.answers(wave=wave),
        min_cell_size=wave.min_cell_size,
        municipality_labels={municipality_value(o): o.name for o in participants(wave)},
        population=invited if wave.weighting and invited else None,
        invited=invited,
        responded=responded,
        previous=previous,
        few_threshold=int(settings.SURVEYS_FEW_THRESHOLD),
    )
    return analyse_languages(
        inputs, languages, {language: _any_label(language) for language in languages}
    )


def _any_label(language: str) -> str:
    with translation.override(language):
        return gettext("Any form of exposure")


def indicator_chart(indicators: list[Indicator], *, title: str, weighted: bool) -> str:
    """Bars of the overall figures; weighted bars when the wave is weighted, and the
    title then says so ("viktade")."""
    if weighted and any(i.overall.weighted_share is not None for i in indicators):
        title = f"{title} ({gettext('weighted')})"
    bars = []
    for indicator in indicators:
        e = indicator.overall
        if weighted and e.weighted_share is not None:
            bars.append(Bar(indicator.label, e.weighted_share, e.weighted_low, e.weighted_high))
        else:
            bars.append(Bar(indicator.label, e.share, e.low, e.high))
    return bar_chart(bars, title=title)


def breakdown_chart(indicator: Indicator, dimension: str, *, title: str) -> str:
    bars = [Bar(e.label, e.share, e.low, e.high) for e in indicator.by.get(dimension, [])]
    return bar_chart(bars, title=title)


RESULT_COLUMNS = [
    "section",
    "indicator",
    "label",
    "dimension",
    "category",
    "category_label",
    "n",
    "share",
    "low",
    "high",
    "weighted_share",
    "weighted_low",
    "weighted_high",
    "suppressed",
    "fewer_than_t_hits",
    "fewer_than_t_non_hits",
]


def results_rows(result: Results) -> list[list[str]]:
    """One row per published figure (columns: RESULT_COLUMNS); suppressed figures are
    empty and marked."""
    table: list[list[str]] = []
    sections: list[tuple[str, list[Indicator]]] = [
        ("exposure", result.exposure),
        ("consequences", result.consequences),
        ("reporting", result.reporting),
    ]
    sections += [(item.key, item.indicators) for item in result.items]
    for section, indicators in sections:
        for indicator in indicators:
            rows = [("all", indicator.overall)] + [
                (dimension, e) for dimension, estimates in indicator.by.items() for e in estimates
            ]
            for dimension, e in rows:
                table.append(
                    [
                        section,
                        indicator.key,
                        indicator.label,
                        dimension,
                        e.category,
                        e.label,
                        _fmt(e.n),
                        _fmt(e.share),
                        _fmt(e.low),
                        _fmt(e.high),
                        _fmt(e.weighted_share),
                        _fmt(e.weighted_low),
                        _fmt(e.weighted_high),
                        "1" if e.suppressed else "0",
                        "1" if e.few_hits else "0",
                        "1" if e.few_non_hits else "0",
                    ]
                )
    return table


def results_csv(result: Results) -> str:
    """The results as CSV without a byte-order mark (for the command line)."""
    return exporting.csv_text(RESULT_COLUMNS, results_rows(result), bom=False)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def report_context(*, wave: Wave, result: Results) -> dict[str, Any]:
    weighted = result.weighted
    return {
        "wave": wave,
        "result": result,
        "participants": participants(wave),
        "generated": timezone.localtime(),
        "exposure_chart": indicator_chart(
            result.exposure, title=gettext("Exposure by form"), weighted=weighted
        ),
        "any": result.exposure[0] if result.exposure else None,
        "municipality_chart": breakdown_chart(
            result.exposure[0], "municipality", title=gettext("Any exposure by municipality")
        )
        if result.exposure
        else "",
        "gender_chart": breakdown_chart(
            result.exposure[0], "gender", title=gettext("Any exposure by gender")
        )
        if result.exposure
        else "",
        "consequence_chart": indicator_chart(
            result.consequences, title=gettext("Consequences among the exposed"), weighted=False
        ),
        "reporting_chart": indicator_chart(
            result.reporting, title=gettext("Reported to"), weighted=False
        ),
        "item_charts": [
            (item, indicator_chart(item.indicators, title=item.label, weighted=weighted))
            for item in result.items
        ],
    }


def render_pdf(
    *, request: HttpRequest | None, wave: Wave, result: Results, trend_wave: Wave | None = None
) -> bytes:
    from weasyprint import CSS, HTML

    context = report_context(wave=wave, result=result)
    context["trend_wave"] = trend_wave
    html = render_to_string("surveys/report.html", context)
    stylesheet = settings.BASE_DIR / "surveys" / "static" / "surveys" / "report.css"
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(stylesheet))]
    )
    return pdf
