"""Results of a large wave: ``wave_results`` and the PDF report for 25,000 responses.

Creates two municipalities, the default questionnaire and a wave with ``--invitees``
invitees and ``--responses`` responses (answers generated like the demo's and normalised
by ``validate_answers``, as a web submission stores them; inserted with ``bulk_create``),
marks those invitees as responded, then times in the same run:

* baseline: loading all answers of the wave (``selectors.answers``), median of 3;
* ``reporting.wave_results`` (weights, estimates, suppression), median of 3;
* ``reporting.render_pdf`` of that result, once.

With ``--analyse N [N ...]`` it instead times ``analysis.analyse`` alone (the pure function,
attacker check included) on waves of N demo-like respondents in three municipalities,
weighted and unweighted, without a database.

Uses a throw-away SQLite database under a temporary ``SAMVERKAN_VAR_DIR``; set
``DATABASE_URL`` to measure PostgreSQL instead (it creates its rows in that database).

    .venv/bin/python benchmarks/survey_results.py [--invitees N] [--responses N]
    .venv/bin/python benchmarks/survey_results.py --analyse 500 2000
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
if "SAMVERKAN_VAR_DIR" not in os.environ:
    os.environ["SAMVERKAN_VAR_DIR"] = tempfile.mkdtemp(prefix="samverkan-bench-")
    atexit.register(shutil.rmtree, os.environ["SAMVERKAN_VAR_DIR"], ignore_errors=True)
os.environ.setdefault("SAMVERKAN_LOG_LEVEL", "WARNING")  # WeasyPrint logs every step

from survey_load import build_wave  # also puts src/ on the path


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples), result


def time_analyse(sizes: list[int], seed: int, budget: float | None) -> None:
    """``analyse()`` with the attacker check for demo-like waves of the given sizes."""
    import django

    django.setup()
    from collections import Counter
    from types import SimpleNamespace

    from samverkan.demo.surveys import _answers
    from samverkan.surveys import questionnaire as qn
    from samverkan.surveys.analysis import Inputs, analyse

    questionnaire = qn.load_default()
    municipalities = ["norrby", "soderby", "vasterby"]
    print("analyse() with the attacker check, seconds (one run each)")
    for size in sizes:
        rng = random.Random(seed)
        answers = []
        for index in range(size):
            elected = index % 5 == 0
            invitee = SimpleNamespace(
                role="elected" if elected else "employee",
                gender=rng.choice(["woman", "man"]),
                age_band=rng.choice(
                    ["under_30", "30_49", "50_64", "65_plus" if elected else "50_64"]
                ),
            )
            raw = _answers(rng, invitee, rng.choice(municipalities), 1.0)  # type: ignore[arg-type]
            answers.append(qn.validate_answers(questionnaire, raw, municipalities=municipalities))
        strata = Counter((a["municipality"], a["role"], a["gender"]) for a in answers)
        invited = {s: n + n // 4 + 1 for s, n in strata.items()}
        for weighted in (False, True):
            inputs = Inputs(
                questionnaire=questionnaire,
                answers=answers,
                min_cell_size=5,
                municipality_labels={m: m.title() for m in municipalities},
                population=invited if weighted else None,
                invited=invited,
                responded=dict(strata),
                **({"check_budget": budget} if budget else {}),
            )
            start = time.perf_counter()
            result = analyse(inputs)
            elapsed = time.perf_counter() - start
            shown = sum(
                1
                for indicator in result.exposure + result.consequences + result.reporting
                for e in [indicator.overall, *(x for es in indicator.by.values() for x in es)]
                if e.exact
            )
            print(
                f"{size} respondents, {'weighted' if weighted else 'unweighted'}: "
                f"{elapsed:.1f} s ({shown} exact figures in exposure/consequences/reporting)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitees", type=int, default=25_000)
    parser.add_argument("--responses", type=int, help="default: one per invitee")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--analyse", type=int, nargs="+", metavar="N")
    parser.add_argument("--budget", type=float, help="seconds for the attacker check")
    args = parser.parse_args()
    if args.analyse:
        time_analyse(args.analyse, args.seed, args.budget)
        return
    wanted = min(args.responses or args.invitees, args.invitees)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from samverkan.demo.surveys import _answers
    from samverkan.surveys import questionnaire as qn
    from samverkan.surveys import reporting, selectors
    from samverkan.surveys.models import Invitee, Response
    from samverkan.surveys.strata import load_questionnaire, municipality_value, participants

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    wave, municipalities = build_wave(invitees=args.invitees, seed=args.seed)
    rng = random.Random(args.seed)
    respondents = rng.sample(list(Invitee.objects.filter(wave=wave)), wanted)
    questionnaire = load_questionnaire(wave.questionnaire.document)
    allowed = [municipality_value(o) for o in participants(wave)]
    generated = [_answers(rng, i, municipalities[i.organisation_id], 1.0) for i in respondents]
    validating = time.perf_counter()
    answers = [qn.validate_answers(questionnaire, raw, municipalities=allowed) for raw in generated]
    validated = time.perf_counter() - validating
    Response.objects.bulk_create(
        [Response(wave=wave, answers=a, source="web") for a in answers], batch_size=2000
    )
    Invitee.objects.filter(pk__in=[i.pk for i in respondents]).update(responded=True, invited=True)
    Invitee.objects.filter(wave=wave).update(invited=True)
    stored = Response.objects.filter(wave=wave).count()
    print(
        f"database: {connection.vendor}, invitees: {args.invitees}, responses: {stored}, "
        f"setup {time.perf_counter() - started:.1f} s "
        f"(validate_answers: {validated / wanted * 1e6:.0f} µs per response)"
    )

    base_min, base_med, loaded = timed(lambda: selectors.answers(wave=wave), 3)
    res_min, res_med, result = timed(lambda: reporting.wave_results(wave=wave), 3)
    pdf_start = time.perf_counter()
    pdf = reporting.render_pdf(request=None, wave=wave, result=result)
    pdf_time = time.perf_counter() - pdf_start

    print("seconds (min / median of 3)")
    print(f"baseline selectors.answers ({len(loaded)} answers): {base_min:.3f} / {base_med:.3f}")
    print(f"wave_results: {res_min:.3f} / {res_med:.3f}")
    print(f"render_pdf (once, {len(pdf) // 1024} KiB): {pdf_time:.3f}")
    print(f"ratio wave_results / baseline (median): {res_med / base_med:.2f}")
    print(f"ratio render_pdf / baseline (median): {pdf_time / base_med:.2f}")
    print(f"wave_results + render_pdf: {res_med + pdf_time:.2f} s")


if __name__ == "__main__":
    main()
