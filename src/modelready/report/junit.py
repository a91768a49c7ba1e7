"""JUnit XML: a test suite per deployment or file, a failed test case per finding, passing cases for
checks that applied and found nothing, so CI dashboards count what was checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Mapping

from .document import FindingEntry, Report
from .inert import xml_text as _x


def render(doc: Report, applied: Mapping[str, list[str]]) -> str:
    """`applied`: subject -> check IDs that ran on it."""
    suites = ET.Element("testsuites", name="modelready")
    by_subject: dict[str, list[FindingEntry]] = {}
    for f in doc.active:
        by_subject.setdefault(f.subject, []).append(f)
    total = fails = 0
    for subject in sorted(set(applied) | set(by_subject)):
        found = by_subject.get(subject, [])
        suite = ET.SubElement(suites, "testsuite", name=_x(subject))
        failed_checks = {f.check for f in found}
        for check in sorted(set(applied.get(subject, [])) - failed_checks):
            ET.SubElement(suite, "testcase", classname=_x(subject), name=check)
        for f in found:
            case = ET.SubElement(suite, "testcase", classname=_x(subject), name=f.check)
            where = f"{f.file}:{f.line}"
            el = ET.SubElement(case, "failure" if f.severity != "info" else "skipped", message=_x(f.message), type=f.severity)
            el.text = _x(f"{where}\n{f.message}")
        n, k = len(suite), sum(1 for f in found if f.severity != "info")
        suite.set("tests", str(n))
        suite.set("failures", str(k))
        total, fails = total + n, fails + k
    suites.set("tests", str(total))
    suites.set("failures", str(fails))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
