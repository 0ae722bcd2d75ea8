#!/usr/bin/env python3
"""Demo catalogue through the public API, dated relative to today (registration open now): the organisations
and offerings of the five seed platforms. Safe to run again: what exists (same short code / offering code) is
left as it is. Usage: catalogue.py CATALOGUE_URL ADMIN_TOKEN"""
import datetime
import json
import sys
import urllib.error
import urllib.request

URL, TOKEN = sys.argv[1], sys.argv[2]
TODAY = datetime.date.today()
NOW = datetime.datetime.now(datetime.timezone.utc)
CATEGORY = {"recovery": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a002", "activities": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a003",
            "outings": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a004", "fund-raisers": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a005",
            "day-camps": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006", "courses": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a001"}


def call(method, path, body=None):
    request = urllib.request.Request(
        URL + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def moment(offset_days):
    return (NOW + datetime.timedelta(days=offset_days)).isoformat(timespec="seconds")


def closes_before(sessions):
    """Registration closes 25 days from now, or the day before the last session ends if that is sooner."""
    last_end = max(datetime.date.fromisoformat(s["endsOn"]) for s in sessions)
    return moment(min(25, (last_end - TODAY).days - 1))


def money(cents):
    return {"amountCents": cents, "currency": "CAD"}


def organisation(kind, code, fr, en, parent=None):
    status, body = call("POST", "/v1/organisations", {"kind": kind, "shortCode": code, "name": {"fr": fr, "en": en},
                                                      **({"parentId": parent} if parent else {})})
    if status == 201:
        return body["id"]
    _, page = call("GET", "/v1/organisations?limit=100")
    return next(o["id"] for o in page["items"] if o["shortCode"] == code)


def subject(code):
    _, page = call("GET", "/v1/subjects")
    return next(s["id"] for s in page["items"] if s["code"] == code)


def programme(college, code, fr, en):
    status, body = call("POST", f"/v1/organisations/{college}/programmes", {"code": code, "name": {"fr": fr, "en": en}})
    if status == 201:
        return body["id"]
    _, page = call("GET", f"/v1/organisations/{college}/programmes")
    return next(p["id"] for p in page["items"] if p["code"] == code)


def attach_letter(offering_id, title):
    """A one-page letter to parents (a PDF written here, no tool needed), attached to the offering."""
    text = f"Lettre aux parents - {title}".encode("latin-1", "replace").decode("latin-1")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    request = urllib.request.Request(URL + f"/v1/offerings/{offering_id}/parent-letter", method="PUT", data=pdf,
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/pdf"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status


def offering(seller, code, fr, en, category, price, sessions, letter=False, **extra):
    body = {"sellingOrganisationId": seller, "code": code, "title": {"fr": fr, "en": en}, "categoryId": CATEGORY[category],
            "basePrice": money(price), "registrationOpensAt": moment(-1), "registrationClosesAt": closes_before(sessions),
            "refundPolicy": {"kind": "full-before-start", "administrationFee": money(1500)}, "sessions": sessions, **extra}
    status, created = call("POST", "/v1/offerings", body)
    if status == 409:
        return
    assert status == 201, (status, created)
    status, published = call("POST", f"/v1/offerings/{created['id']}/publication")
    assert status == 200, (status, published)
    if letter:
        attach_letter(created["id"], fr)
    print(f"  {code} {fr}")


def session(fr, en, start, end, capacity, waitlist=10):
    return {"name": {"fr": fr, "en": en}, "startsOn": day(start), "endsOn": day(end), "capacity": capacity, "waitlistSize": waitlist}


cssbe = organisation("school-service-centre", "CSSBE", "Centre de services scolaire de la Beauce-Etchemin", "Beauce-Etchemin School Service Centre")
essg = organisation("school", "ESSG", "École secondaire de Saint-Georges", "Saint-Georges High School", cssbe)
pbv = organisation("school", "PBV", "Polyvalente Benoît-Vachon", "Benoît-Vachon High School", cssbe)
csspo = organisation("school-service-centre", "CSSPO", "Centre de services scolaire des Portages-de-l'Outaouais", "Portages-de-l'Outaouais School Service Centre")
grand_boise = organisation("school", "EGB", "École du Grand-Boisé", "Grand-Boisé School", csspo)
baie_comeau = organisation("municipality", "BAIE-COMEAU", "Ville de Baie-Comeau", "City of Baie-Comeau")
cegep = organisation("college", "CEGEP-TR", "Cégep de Trois-Rivières", "Cégep de Trois-Rivières")

contract = [{"fr": "L'élève s'engage à assister à tous les cours en ligne, caméra ouverte.",
             "en": "The student attends every online class with the camera on."},
            {"fr": "Un double clic peut provoquer un paiement en double : ne cliquez qu'une fois.",
             "en": "A double click may pay twice: click once."}]
plan = {"interventionPlan": "optional", "acceptedTypes": ["application/pdf"], "maximumBytes": 5_000_000}
summer = [dict(session("Été — en ligne", "Summer — online", 30, 55, 40), online=True,
               schedule={"fr": "Du lundi au jeudi, 9 h à 12 h", "en": "Monday to Thursday, 9 a.m. to noon"},
               accessInstructions={"fr": "Lien du cours : https://teams.example/cssbe-ete (caméra et casque d'écoute requis)",
                                   "en": "Class link: https://teams.example/cssbe-ete (webcam and headset required)"})]
# CAL: recovery courses, priced by the student's school of origin.
for code, fr, en, subject_code, level, price in [
    ("058-402", "Science et environnement", "Science and environment", "sciences", "secondaire-4", 26000),
    ("055-306", "Mathématiques, séquence culture, société et technique", "Mathematics, CST", "mathematiques", "secondaire-3", 24000),
    ("055-310", "Mathématiques, séquence technico-sciences", "Mathematics, TS", "mathematiques", "secondaire-3", 24000),
    ("055-444", "Science et technologie", "Science and technology", "sciences", "secondaire-4", 26000),
]:
    offering(cssbe, code, fr, en, "recovery", price, summer, subjectId=subject(subject_code), levels=[level],
             prices=[{"organisationOfOriginId": essg, "amount": money(price - 4000)},
                     {"organisationOfOriginId": pbv, "amount": money(price - 4000)}],
             contractClauses=contract, documents=plan,
             requirements=[{"fr": "Une caméra et un casque d'écoute", "en": "A webcam and a headset"}])
# CSSPO: the macaroni fund-raiser, by quantity per date, and an outing.
offering(grand_boise, "MACARONI", "Campagne de financement — dîners macaroni", "Fund-raiser — macaroni lunches", "fund-raisers", 0,
         [session("Hiver", "Winter", 7, 21, 500, 0)],
         items=[{"name": {"fr": "Macaroni", "en": "Macaroni"}, "unitPrice": money(550), "date": day(d), "maximumQuantity": 3} for d in (7, 14, 21)],
         refundPolicy={"kind": "none"})
offering(grand_boise, "SORTIE-ZOO", "Sortie au Zoo de Granby", "Granby Zoo outing", "outings", 3500, [session("Sortie", "Outing", 20, 20, 60)],
         letter=True,
         description={"fr": "Une journée au Zoo de Granby avec la classe : départ de l'école à 8 h, retour vers 16 h.\n\n"
                            "Prévoyez un lunch froid, une bouteille d'eau et des vêtements selon la météo.",
                      "en": "A day at the Granby Zoo with the class: leaving the school at 8 a.m., back around 4 p.m.\n\n"
                            "Bring a cold lunch, a water bottle and clothes for the weather."})
# A day out that asks what CSSPO's "fiche santé" holds: filled on the child's profile, or on the guest's form.
offering(grand_boise, "SKI", "Journée de ski au mont Cascades", "Ski day at Mont Cascades", "outings", 4500,
         [session("Journée", "Day", 27, 27, 45)], participantFields=["allergies", "emergency-contact", "health-insurance-number"])
# A workshop of one seat: once taken, families join its waiting list.
offering(grand_boise, "ROBOTIQUE", "Atelier de robotique", "Robotics workshop", "outings", 2000, [session("Samedi", "Saturday", 25, 25, 1)],
         refundPolicy={"kind": "full-before-start"})
# Baie-Comeau: day camps, resident and non-resident prices; childcare, so parents get a Relevé 24.
for week in (1, 2):
    offering(baie_comeau, f"CAMP-ETE-{week}", f"Camp de jour — semaine {week}", f"Day camp — week {week}", "day-camps", 9500,
             [session(f"Semaine {week}", f"Week {week}", 30 + 7 * week, 34 + 7 * week, 60)],
             prices=[{"residency": "non-resident", "amount": money(14500)}],
             refundPolicy={"kind": "full-before-start", "administrationFee": money(500)}, childcareReceipt=True)
# The whole summer, 600 $: families may pay a 150 $ deposit and the rest in two instalments (a payment plan).
offering(baie_comeau, "CAMP-ETE-TOUT", "Camp de jour — tout l'été", "Day camp — the whole summer", "day-camps", 60000,
         [session("Été", "Summer", 60, 95, 40)], prices=[{"residency": "non-resident", "amount": money(80000)}],
         refundPolicy={"kind": "full-before-start", "administrationFee": money(500)}, childcareReceipt=True,
         paymentPlan={"deposit": money(15000), "instalmentDates": [day(20), day(40)]})
# Skating lessons whose refunds the city decides case by case ("sur demande"): a family's cancellation waits for
# its recreation clerk, who grants all or part of what was paid (less the fee) or refuses it.
offering(baie_comeau, "PATIN", "Cours de patinage", "Skating lessons", "activities", 6000,
         [session("Hiver", "Winter", 45, 100, 30)], refundPolicy={"kind": "on-request", "administrationFee": money(1000)})
# Adult recreation is taxable (GST and QST); children's activities are not.
offering(baie_comeau, "AQUAFORME", "Aquaforme (adultes)", "Aquafitness (adults)", "activities", 6000,
         [session("Automne", "Fall", 14, 84, 25)], prices=[{"residency": "non-resident", "amount": money(9000)}],
         eligibility={"minimumAge": 18},
         taxes=[{"code": "GST", "name": {"fr": "TPS", "en": "GST"}, "percent": "5"},
                {"code": "QST", "name": {"fr": "TVQ", "en": "QST"}, "percent": "9.975"}])
# Clara: a college course in two groups, in the programme it belongs to.
literature = programme(cegep, "500.A1", "Arts, lettres et communication", "Arts, Literature and Communication")
offering(cegep, "601-103-MQ", "Écriture et littérature", "Writing and literature", "courses", 0,
         [session("Groupe 01", "Group 01", 60, 150, 40, 5), session("Groupe 02", "Group 02", 60, 150, 40, 5)],
         levels=["collegial"], subjectId=subject("francais"), schoolYear=f"{TODAY.year}-{TODAY.year + 1}", term=f"A-{TODAY.year}",
         programmeId=literature)
print("demo catalogue loaded")
