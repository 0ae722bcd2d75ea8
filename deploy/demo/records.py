#!/usr/bin/env python3
"""Demo records, as staff would import tonight's export: CSSPO's École du Grand-Boisé pupils (Mozaïk's 7-digit
file numbers) and Baie-Comeau households (file number + birth date), dated relative to today. The demo parent
(parent@guichet.local) is listed as a guardian of Émile Tremblay and of Samuel's file H-1001 (household F-100), so the linking
flows of the seeds work locally. Usage: records.py CATALOGUE_URL ENROLMENT_URL ADMIN_TOKEN"""
import datetime
import json
import sys
import urllib.request

CATALOGUE, ENROLMENT, TOKEN = sys.argv[1], sys.argv[2], sys.argv[3]
TODAY = datetime.date.today()


def born(years, days=40):
    return (TODAY - datetime.timedelta(days=365 * years + days)).isoformat()


def organisation(code):
    request = urllib.request.Request(f"{CATALOGUE}/v1/organisations?limit=100", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return next(o["id"] for o in json.load(response)["items"] if o["shortCode"] == code)


def put_records(organisation_id, rows):
    header = "fileNumber,firstName,lastName,birthDate,school,level,group,address,guardianEmails,residency,household,phone,programme\n"
    body = (header + "\n".join(",".join(row) for row in rows) + "\n").encode()
    request = urllib.request.Request(
        f"{ENROLMENT}/v1/staff/organisations/{organisation_id}/records", data=body, method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as response:
        report = json.load(response)
    print(f"  records of {organisation_id}: {report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged")


put_records(organisation("EGB"), [
    ["1234567", "Émile", "Tremblay", born(9), "EGB", "4e année", "401", "", "parent@guichet.local", "", "", "", ""],
    ["2345678", "Rose", "Gagnon", born(8), "EGB", "3e année", "301", "", "", "", "", "", ""],
    ["3456789", "Léo", "Leblanc", born(10), "EGB", "5e année", "501", "", "", "", "", "", ""],
])
# Baie-Comeau: one file per member; linking Samuel's file brings his sister Alice (same household).
put_records(organisation("BAIE-COMEAU"), [
    ["H-1001", "Samuel", "Tremblay", born(11), "", "", "", "12 rue Mance", "parent@guichet.local", "resident", "F-100", "418 555-0101", ""],
    ["H-1003", "Alice", "Tremblay", born(6), "", "", "", "12 rue Mance", "", "resident", "F-100", "418 555-0101", ""],
    ["H-1002", "Zoé", "Bouchard", born(7), "", "", "", "3 avenue Laval", "", "resident", "F-200", "", ""],
])
print("demo records loaded")
