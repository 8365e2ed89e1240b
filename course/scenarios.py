"""The course's worked scenario, and a few others, as pandas tables.

An organisation that wants to become more efficient starts a program to
digitise its paper processes.  The program is made of seven component projects,
A to G.  Every lesson uses the same tables:

* ``digitisation_program()``: the component projects, their durations and
  dependencies (lesson 5 plans them);
* ``objectives()`` and ``benefits()``: the strategic objectives and the
  benefits register (lessons 3 and 4 trace outputs to benefits);
* ``status_reports()`` and ``risk_register()``: what the project managers
  report while the program runs (lesson 6 rolls it up);
* ``product_roadmap()``: the workflow app once it has become a product
  (lesson 7 contrasts a roadmap with a project plan);
* ``random_program(n, seed)``: other programs of any size, for practice and
  for graded tests that cannot be answered by hand.

Durations, budgets and measures are teaching values chosen to make the lessons
work, not data from a real organisation.  Every function builds its table anew,
so a learner who edits one table never changes what the next call returns.
"""

from __future__ import annotations

import itertools
import random
import string

import pandas as pd

#: Columns of a program table, in order.  ``depends_on`` holds a Python list of ids.
PROGRAM_COLUMNS = ["id", "name", "weeks", "depends_on", "output", "benefit", "team", "objective"]

#: Number of weeks in one reporting period of ``status_reports()``.
WEEKS_PER_PERIOD = 4

_PROJECTS = [
    # id, name, weeks, depends on, output, benefit, team, objective
    ("A", "Process discovery, file plan and retention rules", 6, (),
     "classification scheme", "compliance", "records", "O2"),
    ("B", "Document management system: configuration and pilot", 12, ("A",),
     "shared repository", "faster retrieval", "platform", "O1"),
    ("C", "Electronic signature (choose the legal tier needed)", 6, ("B",),
     "digital sign-off", "shorter approval cycle", "integration", "O1"),
    ("D", "Workflow automation of approvals", 10, ("B", "C"),
     "digital approvals", "shorter cycle time, productivity", "workflow", "O1"),
    ("E", "Data migration from shared drives, e-mail and legacy records", 8, ("A", "B"),
     "one source of records", "one source of truth", "integration", "O2"),
    ("F", "Training, change management and go-live", 8, ("D", "E"),
     "trained staff and go-live", "higher productivity", "change", "O1"),
    ("G", "Legacy system decommissioning", 4, ("F",),
     "retired systems", "licence and running-cost savings", "it-operations", "O1"),
]


def digitisation_program() -> pd.DataFrame:
    """The process-digitisation program: one row per component project.

    Columns:

    ``id``
        ``"A"`` to ``"G"``.
    ``name``
        what the component project does.
    ``weeks``
        planned duration in weeks (an ``int``).
    ``depends_on``
        a Python ``list`` of the ids that must finish before this project can
        start (finish-to-start dependencies); ``[]`` for none.
    ``output``
        what the project hands over when it closes.
    ``benefit``
        the benefit its output serves, as named in the program's business case.
    ``team``
        the team that does the work.  C (electronic signature) and E (data
        migration) both need the one ``"integration"`` team: lesson 5 shows
        what that shared team does to the schedule.
    ``objective``
        the id of the strategic objective in ``objectives()`` that the
        project's benefit serves.

    A new table is built on every call.

    >>> program = digitisation_program()
    >>> program.loc[program["id"] == "D", "depends_on"].item()
    ['B', 'C']
    >>> int(program["weeks"].sum())
    54
    """
    rows = [
        (pid, name, weeks, list(deps), output, benefit, team, objective)
        for pid, name, weeks, deps, output, benefit, team, objective in _PROJECTS
    ]
    return pd.DataFrame(rows, columns=PROGRAM_COLUMNS)


def objectives() -> pd.DataFrame:
    """The strategic objectives that the digitisation program serves.

    Columns ``id``, ``objective`` and ``owner`` (the executive who answers for
    it).  The program exists for these objectives: a component project whose
    output does not lead, through benefits, to one of them is an orphan.
    """
    return pd.DataFrame(
        [
            ("O1", "Make the organisation's processes faster and cheaper to run",
             "Chief Operating Officer (program sponsor)"),
            ("O2", "Keep records compliant and auditable", "General Counsel"),
        ],
        columns=["id", "objective", "owner"],
    )


def benefits() -> pd.DataFrame:
    """The program's benefits register, one row per benefit.

    Each row follows the benefit chain used by MSP (Managing Successful
    Programmes): the outputs of the contributing ``projects`` build a
    ``capability``; people using the capability produce an ``outcome``; the
    outcome is measured as a ``benefit`` that serves a strategic ``objective``.

    Columns:

    ``id``, ``benefit``
        the benefit and its short name.
    ``measure``, ``baseline``, ``target``
        how the benefit is measured, its value before the program and the value
        that counts as realised (units are in the measure's text).
    ``owner``
        the business manager who answers for realising the benefit.  Owners
        sit in the business, not in the program team: a program delivers
        capabilities, the business turns them into benefits.
    ``objective``
        the id of the objective served (see ``objectives()``).
    ``projects``
        a Python ``list`` of the component projects whose outputs contribute.
    ``capability``, ``outcome``
        the middle links of the chain.

    >>> register = benefits()
    >>> register.set_index("id").loc["B6", "projects"]
    ['E', 'G']
    """
    rows = [
        ("B1", "Compliance with retention rules",
         "share of records filed under the file plan with a retention rule (%)", 35, 95,
         "Records Manager", "O2", ["A", "B", "E", "F"],
         "classify records and apply retention rules automatically",
         "records are kept, and disposed of, on schedule"),
        ("B2", "Faster retrieval",
         "median minutes to find a document", 18, 3,
         "Head of Operations", "O1", ["B", "E", "F"],
         "search one shared repository",
         "staff find documents themselves, without asking colleagues"),
        ("B3", "Shorter approval cycle",
         "median days from request to signed approval", 9, 2,
         "Finance Director", "O1", ["C", "D", "F"],
         "sign and approve documents electronically",
         "approvals happen within days, from anywhere"),
        ("B4", "Higher productivity",
         "requests processed per staff member per week", 25, 32,
         "Head of Operations", "O1", ["D", "F"],
         "route requests automatically through approval workflows",
         "staff stop chasing paper and re-keying data"),
        ("B5", "One source of truth",
         "audit findings about missing or conflicting versions of a record, per year", 12, 1,
         "Records Manager", "O2", ["B", "E"],
         "hold every record once, in the repository",
         "audits and decisions use the same version of each record"),
        ("B6", "Licence and running-cost savings",
         "annual cost of the legacy systems (thousand euros)", 180, 20,
         "Chief Financial Officer", "O1", ["E", "G"],
         "run the processes without the legacy systems",
         "legacy systems are switched off"),
    ]
    columns = ["id", "benefit", "measure", "baseline", "target", "owner", "objective",
               "projects", "capability", "outcome"]
    return pd.DataFrame(rows, columns=columns)


def benefit_chain(
    projects: pd.DataFrame | None = None,
    register: pd.DataFrame | None = None,
    goals: pd.DataFrame | None = None,
    full_chain: bool = False,
) -> pd.DataFrame:
    """The links of the benefits map as a table of edges.

    Each row is one arrow ``source -> target`` with the layer of each end:
    ``"output"``, ``"capability"``, ``"outcome"``, ``"benefit"`` and
    ``"objective"``.  By default the map is the short one, outputs -> benefits
    -> objectives; ``full_chain=True`` gives MSP's whole chain, outputs ->
    capabilities -> outcomes -> benefits -> objectives.

    Labels: an output is ``"A: classification scheme"``, a benefit
    ``"B1: Compliance with retention rules"``, an objective ``"O1: ..."``.
    Defaults are the digitisation scenario's tables.  A project listed in the
    register but missing from ``projects`` (or an objective id missing from
    ``goals``) raises ``ValueError`` naming it.  A project that contributes to
    no benefit simply has no row: it is an orphan.
    """
    projects = digitisation_program() if projects is None else projects
    register = benefits() if register is None else register
    goals = objectives() if goals is None else goals

    outputs = {str(pid): f"{pid}: {out}"
               for pid, out in zip(projects["id"], projects["output"], strict=True)}
    goal_labels = {str(gid): f"{gid}: {text}"
                   for gid, text in zip(goals["id"], goals["objective"], strict=True)}
    rows: list[tuple[str, str, str, str]] = []
    for benefit in register.itertuples(index=False):
        label = f"{benefit.id}: {benefit.benefit}"
        if str(benefit.objective) not in goal_labels:
            raise ValueError(
                f"benefit {benefit.id!r} serves unknown objective {benefit.objective!r}"
            )
        if full_chain:
            chain = [("capability", benefit.capability), ("outcome", benefit.outcome),
                     ("benefit", label)]
        else:
            chain = [("benefit", label)]
        for pid in benefit.projects:
            if str(pid) not in outputs:
                raise ValueError(f"benefit {benefit.id!r} names unknown project {pid!r}")
            rows.append(("output", outputs[str(pid)], *chain[0]))
        for (layer_a, node_a), (layer_b, node_b) in itertools.pairwise(chain):
            rows.append((layer_a, node_a, layer_b, node_b))
        rows.append(("benefit", label, "objective", goal_labels[str(benefit.objective)]))
    edges = pd.DataFrame(rows, columns=["source_layer", "source", "target_layer", "target"])
    return edges.drop_duplicates(ignore_index=True)


#: The order the program manager chose for the shared integration team: C, then E.
#: The baseline plan that the status reports follow adds these arrows to
#: ``digitisation_program()`` (lesson 5): E starts in week 24, when C is done,
#: and finishes in week 32, two weeks before its latest finish.
SHARED_TEAM_ORDER = [("C", "E")]

# Cumulative planned value, earned value and actual cost (thousand euros) at the
# end of each 4-week period, as the project managers reported them.  Planned
# values follow the baseline schedule, with E after C (work spread evenly over
# each project's weeks).  No project earns anything before the projects it
# waits for have finished: C finished in week 24, over budget, so D could start
# on time; E started in week 24 and runs late.
_BUDGETS = {"A": 60, "B": 240, "C": 90, "D": 200, "E": 120}
_REPORTS = {
    # project: {period: (pv, ev, ac)}
    "A": {1: (40, 40, 43), 2: (60, 60, 62), 3: (60, 60, 62), 4: (60, 60, 62),
          5: (60, 60, 62), 6: (60, 60, 62), 7: (60, 60, 62)},
    "B": {2: (40, 38, 40), 3: (120, 114, 118), 4: (200, 200, 206), 5: (240, 240, 246),
          6: (240, 240, 246), 7: (240, 240, 246)},
    "C": {5: (30, 30, 36), 6: (90, 90, 110), 7: (90, 90, 110)},
    "D": {7: (80, 78, 80)},
    "E": {7: (60, 42, 43)},
}


def status_reports() -> pd.DataFrame:
    """Project status reports of the running program, in long format.

    One row per project and reporting period, columns ``project, period, pv,
    ev, ac, bac``:

    ``period``
        the reporting period, ``1`` to ``7``; each period is
        ``WEEKS_PER_PERIOD`` (4) weeks, so period 7 ends in week 28.
    ``pv`` (planned value)
        the budgeted cost of the work the plan says should be done by the end
        of the period, cumulative.
    ``ev`` (earned value)
        the budgeted cost of the work actually done, cumulative.
    ``ac`` (actual cost)
        what the work done actually cost, cumulative.
    ``bac`` (budget at completion)
        the project's whole budget.

    Money is in thousand euros.  A project reports from the first period in
    which work was planned for it; once finished it keeps reporting its final
    figures, so that program totals stay whole.  F and G have not started by
    period 7 and do not report.

    The baseline is ``digitisation_program()`` with ``SHARED_TEAM_ORDER``
    added: E waits for C, so E is planned for weeks 24 to 32 and first
    reports in period 7.

    At period 7 the picture a program manager sees is: A and B finished on
    plan, C finished on time in week 24 but over budget (CPI 90/110), D under
    way and healthy, E late (SPI 42/60) while running close to budget.
    """
    rows = [
        (project, period, pv, ev, ac, _BUDGETS[project])
        for project, periods in _REPORTS.items()
        for period, (pv, ev, ac) in periods.items()
    ]
    table = pd.DataFrame(rows, columns=["project", "period", "pv", "ev", "ac", "bac"])
    return table.sort_values(["period", "project"], ignore_index=True)


def risk_register() -> pd.DataFrame:
    """The program's risk register.

    Columns ``id, risk, project, probability, impact, owner, response``.
    ``probability`` and ``impact`` are scored 1 (very low) to 5 (very high);
    ``project`` is a component project's id, or ``"program"`` for a risk that
    spans projects.  The owner follows the rule taught in lessons 2 and 6: a
    risk whose effects cross project boundaries is owned by the program
    manager, even when it arises inside one project.  ``response`` starts
    with the chosen strategy (avoid, reduce, transfer or accept) and says
    what is done.  Rank the risks with
    ``course.health.rank_risks``.
    """
    rows = [
        ("R1", "Legacy records are messier than the sample, so migration takes longer",
         "E", 4, 3, "Project manager, data migration",
         "reduce: migrate one department first and clean data at the source"),
        ("R2", "C and E need the one integration team in the same weeks",
         "program", 4, 4, "Program manager",
         "avoid: run E after C within E's float, so they never need the team in the "
         "same weeks; keep a contractor on call to reduce the harm if E slips"),
        ("R3", "Staff keep working in shared drives after go-live",
         "F", 3, 5, "Change manager",
         "reduce: champions in every team; shared drives become read-only after migration"),
        ("R4", "Legal review demands qualified electronic signatures, which cost more",
         "C", 3, 3, "Project manager, electronic signature",
         "accept: hold a cost contingency at program level"),
        ("R5", "The document management vendor delivers the pilot release late, "
         "delaying B and, through it, C, D and E",
         "program", 2, 4, "Program manager",
         "reduce: B's project manager tracks the vendor's milestones weekly; the "
         "contract's delivery penalties pass part of the cost of a delay to the "
         "vendor, not the delay itself"),
        ("R6", "Approval steps nobody wrote down are automated wrongly",
         "D", 2, 3, "Product owner, workflow",
         "reduce: map each process with the people who run it"),
        ("R7", "A legacy licence must be renewed before decommissioning ends",
         "G", 3, 2, "IT operations manager",
         "reduce: negotiate a short extension of the licence now, so that only the "
         "extra months are paid"),
    ]
    columns = ["id", "risk", "project", "probability", "impact", "owner", "response"]
    return pd.DataFrame(rows, columns=columns)


def product_roadmap() -> pd.DataFrame:
    """The workflow app's product roadmap, once the program has handed it over.

    After go-live the workflow automation built by project D does not end: a
    product team keeps improving it for as long as people use it.  Its roadmap
    is arranged in ``horizon``s ``"now"``, ``"next"`` and ``"later"`` instead of
    dates, and each row names the ``outcome`` sought and the ``kpi`` that
    shows it, with ``baseline`` and ``target`` values, rather than a
    deliverable and a deadline.  ``main_risk`` is the biggest open question of
    each theme among the four product risks: value, usability, feasibility and
    business viability.

    Compare it with ``digitisation_program()``: fixed scope, durations and an
    end, against outcomes, measures and no planned end.
    """
    rows = [
        ("now", "Mobile approvals", "managers approve requests from their phone",
         "median hours from request to approval", 30, 8, "usability"),
        ("now", "Self-service workflows", "business teams build simple workflows without IT",
         "new workflows created by business teams per month", 1, 6, "feasibility"),
        ("next", "Smarter routing", "each request reaches the right approver first time",
         "requests rerouted by hand (%)", 18, 5, "value"),
        ("next", "Waiting-time insight", "managers see where requests wait and act on it",
         "weekly active users of the dashboard", 0, 120, "value"),
        ("later", "Supplier portal", "suppliers submit and follow their own requests",
         "supplier requests submitted digitally (%)", 10, 70, "viability"),
        ("later", "Assisted filing", "documents are classified as they are uploaded",
         "documents filed without manual classification (%)", 0, 60, "feasibility"),
    ]
    columns = ["horizon", "theme", "outcome", "kpi", "baseline", "target", "main_risk"]
    return pd.DataFrame(rows, columns=columns)


def _project_ids(n: int) -> list[str]:
    """``n`` ids that sort in a natural order: letters up to 26, else P01, P02..."""
    if n <= len(string.ascii_uppercase):
        return list(string.ascii_uppercase[:n])
    width = len(str(n))
    return [f"P{i:0{width}d}" for i in range(1, n + 1)]


def _float_of(rows: list[tuple[str, str, int, list[str]]]) -> dict[str, int]:
    """Each project's float, by a forward and a backward pass over ``rows`` in order of work."""
    weeks = {pid: w for pid, _, w, _ in rows}
    finish: dict[str, int] = {}
    for pid, _, w, deps in rows:
        finish[pid] = max((finish[d] for d in deps), default=0) + w
    end = max(finish.values(), default=0)
    latest = {pid: end for pid in weeks}
    for pid, _, w, deps in reversed(rows):
        for d in deps:
            latest[d] = min(latest[d], latest[pid] - w)
    return {pid: latest[pid] - finish[pid] for pid in weeks}


def random_program(n: int = 7, seed: int = 0, max_dependencies: int = 3,
                   ties: bool = False) -> pd.DataFrame:
    """A random program of ``n`` component projects without dependency cycles.

    The table has the columns ``id, name, weeks, depends_on`` like
    ``digitisation_program()``: ``weeks`` are ``int`` from 1 to 12, and each
    project depends on 0 to ``max_dependencies`` others.  Ids are ``"A"``,
    ``"B"``... (or ``"P01"``, ``"P02"``... above 26 projects) and rows are
    sorted by id, but ids are handed out in a shuffled order, so alphabetical
    order is *not* a valid order of work: sort the network to find one.

    With ``ties=True`` the program has, when it can, two different longest
    chains: one project with float is lengthened by exactly its float (staying
    within 12 weeks), so it and the chain through it become critical too
    without moving the end date.  Then "every zero-float project" is not a
    path, and only a real chain of dependencies is a critical path.  The
    graded tests use such programs.

    The same ``n`` and ``seed`` always give the same program, on every machine
    and Python version.

    >>> random_program(4, seed=1).equals(random_program(4, seed=1))
    True
    """
    if n < 1:
        raise ValueError(f"a program needs at least one project, not n={n}")
    rng = random.Random(f"triad-{n}-{seed}")
    ids = _project_ids(n)
    for _attempt in range(50 if ties else 1):
        labels = ids[:]
        rng.shuffle(labels)  # labels[i] is the id of the i-th project in a valid order of work
        rows = []
        for i, pid in enumerate(labels):
            count = rng.randint(0, min(max_dependencies, i))
            depends_on = sorted(rng.sample(labels[:i], count))
            rows.append((pid, f"Project {pid}", rng.randint(1, 12), depends_on))
        if not ties:
            break
        slack = _float_of(rows)
        candidates = [i for i, (pid, _, w, _) in enumerate(rows)
                      if 0 < slack[pid] and w + slack[pid] <= 12]
        if candidates:  # otherwise draw the program again
            i = rng.choice(candidates)
            pid, name, w, deps = rows[i]
            rows[i] = (pid, name, w + slack[pid], deps)
            break
    table = pd.DataFrame(rows, columns=["id", "name", "weeks", "depends_on"])
    return table.sort_values("id", ignore_index=True)
