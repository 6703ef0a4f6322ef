from core.problems import STATUSES, ProblemFilters, staff_members
from ui.filters import Filter, filter_bar
from ui.layout import page_title
from ui.problems import handle_report, problem_reports
from ui.services import current_actor, db
from ui.staff_actions import show_done

FILTERS = [
    Filter("Status", "staff_problems_status", options=STATUSES),
    Filter("Centre", "staff_problems_centre", "text", help="The start of its number or name"),
]

page_title(
    "All problem reports",
    "Every centre's problem reports, newest first; filter by status and centre. Tick a "
    "report to **Assign** it to a member of staff, **Reply** (the centre user reads the "
    "reply beside the report, under Print Batches > Problem reports) or **Resolve** it, "
    "with a last reply if you like. A reply or a resolution is also emailed to whoever "
    "reported the problem. Assigning or replying moves an open report to *In progress*; "
    "the report is then let go, so tick it again for the next step.",
)
show_done()
filters = ProblemFilters(*filter_bar("problems", FILTERS))
chosen = problem_reports(filters, selectable=True)
if chosen is not None:
    with db() as session:
        staff = staff_members(session, actor=current_actor())
    handle_report(chosen, staff)
