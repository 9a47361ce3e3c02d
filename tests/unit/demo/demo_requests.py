"""Requests and forms shared by the demo department tests (made-up data only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from govchain.codes import demo_uscc
from govchain.demo import DepartmentConfig, DepartmentSystem, parse_case_request

DAY = dt.date(2024, 3, 15)
NAME = "济南演示链信信息技术有限公司"
CREDIT_CODE = demo_uscc(1001)  # the sample enterprise of examples/asset-types


def form_for(kind: str) -> dict[str, object]:
    """The public form a step of ``kind`` gets: the name, and after the licence its code."""
    if kind == "licence":
        return {"名称": NAME, "类型": "有限责任公司(自然人投资或控股)", "注册资本": 100}
    return {"名称": NAME, "统一社会信用代码": CREDIT_CODE}


def body(kind: str, case: str = "c0", **extra: Any) -> dict[str, object]:
    """A request body for one step of ``kind``."""
    return {
        "case": case,
        "step": kind,
        "matter": f"demo-{kind}",
        "applicant": "applicant-1",
        "form": form_for(kind),
        "materials": ["content-1"],
        **extra,
    }


def system(kind: str, **settings: int) -> DepartmentSystem:
    """A department of ``kind`` whose days are always :data:`DAY`."""
    return DepartmentSystem(DepartmentConfig(kind=kind, **settings), today=lambda: DAY)


def answer(department: DepartmentSystem, obj: dict[str, object]) -> dict[str, object]:
    """The department's answer to the body ``obj``."""
    return department.answer(parse_case_request(obj))
