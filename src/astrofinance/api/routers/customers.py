"""Customers (borrowers): add, list and search, show, change. Loan officers, supervisors and
vertical leads see and change only the customers of the officers in their scope; phone numbers
are shown to callers with customers.read, within that scope."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import ConfigDict, Field

from astrofinance.api.csv import stream_csv
from astrofinance.api.deps import Conn, PageQ, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, counted, ok
from astrofinance.api.guards import default_officer, require_officer
from astrofinance.api.query import Strict
from astrofinance.auth.tokens import Principal
from astrofinance.portfolio import customers as service

router = APIRouter(tags=["customers"], responses=ERROR_RESPONSES)
READ = allow("customers.read")
WRITE = allow("customers.write")
Format = Annotated[Literal["json", "csv"],
                   Query(alias="format", description="json (default) or csv: every matching "
                                                     "customer, streamed")]
Text = Annotated[str | None, Query(min_length=1, max_length=100)]


class NewCustomer(Strict):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=32, description="+2348012345678 or "
                                                               "08012345678 (kept as E.164)")
    email: str | None = Field(None, max_length=254)
    officer_id: str | None = Field(None, max_length=64, description="default for a loan "
                                   "officer: themselves")
    branch: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=100)


class CustomerChange(Strict):
    """Only the fields sent change; null clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    officer_id: str | None = Field(None, max_length=64)
    branch: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=100)


@router.post("/customers", response_model=Envelope, status_code=201, summary="Add a customer")
def add_customer(body: NewCustomer, conn: Conn, user: Principal = WRITE) -> Any:
    """A new customer; the phone is stored in E.164 form. A scoped caller's customer belongs to
    one of their officers (by default their own)."""
    fields = body.model_dump()
    fields["officer_id"] = default_officer(user, body.officer_id)
    added = service.add_customer(conn, service.Customer(**fields), user.name)
    return ok(service.get_customer(conn, added.customer_id),
              f"added customer {added.customer_id}", 201)


@router.get("/customers", response_model=Envelope, summary="Customers, searched and paged")
def list_customers(request: Request, conn: Conn, page: PageQ, user: Principal = READ,
                   q: Annotated[str | None, Query(min_length=1, max_length=100,
                                                  description="a piece of the id, name or "
                                                              "phone number")] = None,
                   officer_id: Text = None, branch: Text = None,
                   fmt: Format = "json") -> Any:
    """The customers the caller may see matching every filter, by id, with their loan counts;
    `format=csv` streams every match."""
    filters = service.CustomerFilters(q=q, officer_id=officer_id, branch=branch,
                                      scope=user.scope.officer_ids)
    if fmt == "csv":
        query, params = service.export_query(filters)
        return stream_csv(request.app.state.db, query, params, "customers")
    items, total = service.search_customers(conn, filters, limit=page.limit,
                                            offset=page.offset)
    return ok({"items": items, **page.meta(total)}, counted(total, "customer"))


@router.get("/customers/{customer_id}", response_model=Envelope, summary="One customer")
def get_customer(customer_id: str, conn: Conn, user: Principal = READ) -> Any:
    """The customer with how many loans they have (and how many are open)."""
    return ok(service.get_customer(conn, customer_id, user.scope.officer_ids))


@router.patch("/customers/{customer_id}", response_model=Envelope,
              summary="Change a customer")
def change_customer(customer_id: str, body: CustomerChange, conn: Conn,
                    user: Principal = WRITE) -> Any:
    """Change the fields sent (name, phone, email, officer_id, branch, state). A scoped caller
    may move a customer only to an officer in their scope."""
    changes = body.model_dump(exclude_unset=True)
    if "officer_id" in changes and not user.scope.everything:
        service.get_customer(conn, customer_id, user.scope.officer_ids)   # 404 first
        require_officer(user, changes["officer_id"])
    changed = service.update_customer(conn, customer_id, changes, user.name,
                                      user.scope.officer_ids)
    return ok(changed, f"updated customer {customer_id}")
