"""Emails that tell a centre user something they asked for has moved on: their order
dispatched or cancelled by the awarding body, their problem report answered. Each links
to the page where they read it; a disabled account gets nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.config import get_settings
from core.mail import queue_email
from core.models import Order, OrderStatus, ProblemReport, User

ORDER_PAGE = "orders"
REPORTS_PAGE = "print-batches"  # its Problem reports tab


def _recipient(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def tell_order_moved(session: Session, order: Order, note: str, what: str = "") -> None:
    """The user who placed the order hears that staff dispatched or cancelled it (or
    `what` else they did), with the tracking reference or the reason (`note`, as the
    order's history says it)."""
    user = _recipient(session, order.user_id)
    if user is None:
        return
    what = what or ("dispatched" if order.status == OrderStatus.DISPATCHED else "cancelled")
    reference = f" ({order.reference})" if order.reference else ""
    link = get_settings().address(f"{ORDER_PAGE}?order={order.id}")
    queue_email(
        session,
        to=user.email,
        subject=f"Your order {order.id} has been {what}",
        body=(
            f"Hello {user.first_name},\n\n"
            f"Your order {order.id}{reference} has been {what}. {note}\n\n"
            f"The order and its history: {link}\n"
        ),
    )


def tell_problem_answered(session: Session, report: ProblemReport) -> None:
    """The user who reported the problem reads the reply, and whether it is resolved."""
    user = _recipient(session, report.user_id)
    if user is None:
        return
    queue_email(
        session,
        to=user.email,
        subject=f"Your problem report {report.id}: {report.status.lower()}",
        body=(
            f"Hello {user.first_name},\n\n"
            f"The awarding body has answered your report ({report.category}); it is now "
            f"{report.status.lower()}.\n\n"
            + (f"Their reply:\n{report.reply}\n\n" if report.reply else "")
            + "Your reports are under Print Batches, Problem reports: "
            + f"{get_settings().address(REPORTS_PAGE)}\n"
        ),
    )
