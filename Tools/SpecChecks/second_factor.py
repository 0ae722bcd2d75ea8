#!/usr/bin/env python3
"""Staff routes ask for the second factor: every operation tagged `staff`, and every other one named here as
staff-only, carries `x-guichet-second-factor` (`required`, or `recent`: given within 15 minutes), needs a bearer
token, and documents its 403. ServiceKit's SpecValidationMiddleware enforces the mark; this keeps a new staff
route from going without it. Lists what is wrong and exits 1.

Usage: second_factor.py Services/*/openapi.yaml"""
import sys

import yaml

# Staff-only operations under another tag (their handlers check the staff role).
STAFF_ONLY = {
    "createOrganisation", "updateOrganisation", "createProgramme", "createOffering", "changeOfferingStatus",
    "replaceOfferingTerms", "replaceParentLetter", "removeParentLetter", "updateSession", "publishOffering", "createRefund",
}
RULES = {"required", "recent"}


def main(paths):
    problems, marked = [], 0
    for path in paths:
        document = yaml.safe_load(open(path))
        for route, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                name = f"{path}: {method.upper()} {route} ({operation['operationId']})"
                rule = operation.get("x-guichet-second-factor")
                staff = "staff" in operation.get("tags", []) or operation["operationId"] in STAFF_ONLY
                if staff and rule is None:
                    problems.append(f"{name}: a staff route without x-guichet-second-factor")
                if rule is None:
                    continue
                marked += 1
                if rule not in RULES:
                    problems.append(f"{name}: x-guichet-second-factor is {rule!r}, not one of {sorted(RULES)}")
                if not operation.get("security"):
                    problems.append(f"{name}: asks the second factor but no bearer token")
                if "403" not in operation.get("responses", {}):
                    problems.append(f"{name}: asks the second factor but does not document 403")
    for problem in problems:
        print(problem)
    print(f"{marked} operations ask the second factor, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) if len(sys.argv) > 1 else __doc__)
